// The delta answer of the HostState long-poll (GET /v1/hosts/{h}/state with
// delta=1): what changed since the revision the agent holds, in JsonDiff's
// form, with the SHA-256 of the whole new state to check the merge against.
// Written by the cloud, applied by the agent (docs/architecture.md, "Cloud <-> agent").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/crypto.h"
#include "common/status.h"
#include "state/json_delta.h"

namespace isthmus::state {

// A state as an agent holds it to merge deltas onto: its JSON text with
// revision 0 (as the cloud keeps it and hashes it), and its revision.
struct HeldState {
  int64_t revision = 0;
  std::string text;
  JsonLayout layout;  // of `text`: a merge scans only what a delta changes
  // The SHA-256 states at its members: a merged text is hashed from its first changed byte.
  crypto::Sha256Parts hash;
};

// {"delta":{"from":F,"revision":R,"sha256":S,"steps":[D1,...]}}: applying the
// steps in order to the state at revision F gives the state at revision R,
// whose text (revision 0) has SHA-256 S (hex).
std::string DeltaAnswer(int64_t from, int64_t revision, const std::string& sha256,
                        const std::vector<const std::string*>& steps);
// True when an answer's body is a delta (a HostState has no "delta" key).
bool IsDeltaAnswer(std::string_view body);
// A full answer (a HostState's text with its revision) as held.
HeldState HoldFullAnswer(std::string_view body, int64_t revision);
// `held` moved by a delta answer. Conflict when it is not from
// held's revision or the merged text's digest is not S (the agent then asks
// for the whole state); InvalidArgument when it is malformed.
Result<HeldState> ApplyDeltaAnswer(const HeldState& held, std::string_view body);

}  // namespace isthmus::state
