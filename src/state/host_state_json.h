// A HostState's JSON text written directly, without building a nlohmann::json
// tree: the exact bytes nlohmann::json(state).dump() gives (keys sorted,
// compact), at a fraction of the cost. The cloud serialises each changed
// host's state once with it and serves that text (docs/architecture.md,
// "Incremental recompute").
#pragma once

#include <cstddef>
#include <string>

#include "state/host_state.h"

namespace isthmus::state {

// The JSON text of `s`.
std::string DumpHostState(const HostState& s);

// A HostState's JSON text (DumpHostState's, or nlohmann's) with `revision` in
// place of its revision, without parsing it: the first `"revision":` of a JSON
// text is its top-level key (no other object of a HostState has that key, and
// no string can hold that sequence unescaped).
std::string WithRevision(const std::string& text, int64_t revision);

}  // namespace isthmus::state
