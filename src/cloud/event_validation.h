// Checks a batch of central's events before any of it is stored: every field of
// every resource kind against its grammar (common/net.h) and, for hosts, the DVR
// MAC inside its cloud's prefix. One bad event refuses the whole batch.
// docs/architecture.md, "Validation".
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cloud/cloud_db.h"

namespace isthmus::cloud {

// kind -> id -> body, as the cloud stores what central pushed.
using StoredResources = std::map<std::string, std::map<std::string, nlohmann::json>>;

// Ok, or InvalidArgument "event <seq> (<kind> <id>): <field>: <value> <why>".
// Events with seq <= applied_seq are redeliveries (skipped, not checked);
// `stored` is what the batch applies to (clouds' DVR MAC prefixes).
Status ValidateEvents(const std::vector<Event>& events, const StoredResources& stored,
                      int64_t applied_seq);

}  // namespace isthmus::cloud
