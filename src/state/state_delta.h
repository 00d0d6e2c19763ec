// The delta answer of the HostState long-poll (GET /v1/hosts/{h}/state with
// delta=1): what changed since the revision the agent holds, in JsonDiff's
// form, with the digest of the new state to check the merge against.
// Written by the cloud, applied by the agent (docs/architecture.md, "Cloud <-> agent").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "state/json_delta.h"
#include "state/state_digest.h"

namespace isthmus::state {

// A state as an agent holds it to merge deltas onto: its JSON text with
// revision 0 (as the cloud keeps it and hashes it), and its revision.
struct HeldState {
  int64_t revision = 0;
  std::string text;
  JsonLayout layout;  // of `text`: a merge scans only what a delta changes
  MemberDigests digests;  // of `text`'s members: a merged text rehashes the changed ones
};

// How an agent takes its states (the long-poll's `delta` parameter): whole;
// deltas checked by the whole text's SHA-256 (delta=1, agents before member
// digests); deltas checked by the member digest (delta=2).
enum class DeltaMode { kWhole, kSha256, kMemberDigest };

// {"delta":{"from":F,"revision":R,"digest":D,"steps":[D1,...]}}: applying the
// steps in order to the state at revision F gives the state at revision R,
// whose text (revision 0) has member digest D (state_digest.h). `digest` may
// instead be the text's SHA-256 (hex): the key is then "sha256".
std::string DeltaAnswer(int64_t from, int64_t revision, const std::string& digest,
                        const std::vector<const std::string*>& steps);
// True when an answer's body is a delta (a HostState has no "delta" key).
bool IsDeltaAnswer(std::string_view body);
// A full answer (a HostState's text with its revision) as held.
HeldState HoldFullAnswer(std::string_view body, int64_t revision);
// `held` moved by a delta answer. Conflict when it is not from
// held's revision or the merged text's digest (or SHA-256) is not the
// answer's (the agent then asks for the whole state); InvalidArgument when it
// is malformed.
Result<HeldState> ApplyDeltaAnswer(const HeldState& held, std::string_view body);

}  // namespace isthmus::state
