// GET /v2.0/<plural>: a Neutron list answered from the cache's list indexes
// (list_index.h) in batches, serialised item by item into the body, so its
// cost follows the page asked for and its memory the body it sends, whatever
// the number of resources (docs/architecture.md, "Lists").
#pragma once

#include <httplib.h>

#include <string>

#include "central/identity.h"
#include "central/resource_kind.h"
#include "central/service.h"
#include "common/status.h"

namespace isthmus::central {

// The JSON body {"<plural>": [...], "<plural>_links": [...]} of a list of a
// Neutron kind as the caller may see it: 400 for bad controls or filters, 404
// for a marker that is not in the list.
Result<std::string> ListBody(Service& s, const Caller& c, Kind kind, const httplib::Request& req,
                             const std::string& base_url);

}  // namespace isthmus::central
