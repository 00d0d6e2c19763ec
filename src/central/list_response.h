// GET /v2.0/<plural>: a Neutron list answered from the cache's list indexes
// (list_index.h) in batches, serialised item by item and sent in pieces, so
// its cost follows the page asked for and its memory one piece, whatever the
// number of resources (docs/architecture.md, "Lists").
#pragma once

#include <httplib.h>

#include <string>

#include "central/identity.h"
#include "central/resource_kind.h"
#include "central/service.h"
#include "common/status.h"

namespace isthmus::central {

// The JSON body {"<plural>": [...], "<plural>_links": [...]} of a list of a
// Neutron kind as the caller may see it, as a content provider for a streamed
// answer (httplib::Response::set_chunked_content_provider): each call adds
// the next piece of the body. Errors come first, before any piece: 400 for bad
// controls or filters, 404 for a marker that is not in the list. A list in id
// order without a limit (the one whose size has no bound) is walked piece by
// piece, up to kPieceItems items each, so the server holds one piece whatever
// the number of resources; a page (limit) or another sort order is made whole
// in the first call.
inline constexpr size_t kPieceItems = 512;
Result<httplib::ContentProviderWithoutLength> ListProvider(Service& s, const Caller& c, Kind kind,
                                                           const httplib::Request& req,
                                                           const std::string& base_url);

// The whole body at once (every piece of ListProvider): tests.
Result<std::string> ListBody(Service& s, const Caller& c, Kind kind, const httplib::Request& req,
                             const std::string& base_url);

}  // namespace isthmus::central
