// The digest of a state's text by its members: what a delta answer carries
// for the agent to check its merge against (docs/architecture.md, "Cloud <->
// agent"). "m1:" and 64 hex digits: the SHA-256 of the concatenated SHA-256s
// of the object's top-level members, in text order, each over the member's
// bytes (its key with quotes, the colon and its value). A text that changes
// in a few members is rehashed in those only, and a member that many hosts
// share (a security group's addresses) is hashed once per recompute.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "state/json_delta.h"

namespace isthmus::state {

using MemberDigest = std::array<uint8_t, 32>;

// The digests of a text's members: of[i] is member i's, in text order.
struct MemberDigests {
  std::vector<MemberDigest> of;
  // The digest of the whole text: "m1:" + hex.
  std::string Digest() const;
};

// Member texts already hashed, to hash once a member many hosts share (their
// security groups): only the members of the keys it is made for, of at least
// kMinBytes, each kept as a copy until Clear (a cloud clears it at each
// recompute), so it holds one copy per distinct text of those members. Not
// thread-safe.
class DigestMemo {
 public:
  static constexpr size_t kMinBytes = 4096;  // smaller members are hashed as they come
  // `keys`: the members to remember, keys with their quotes ("\"security_groups\"").
  explicit DigestMemo(std::vector<std::string> keys) : keys_(std::move(keys)) {}
  // Whether the member of this key (with its quotes) is remembered.
  bool Remembers(std::string_view key) const;
  // The digest of `member` (its key, colon and value), hashed now or found.
  MemberDigest Of(std::string_view member);
  void Clear() { by_sample_.clear(); }

 private:
  std::vector<std::string> keys_;
  std::unordered_map<uint64_t, std::vector<std::pair<std::string, MemberDigest>>> by_sample_;
};

// The digests of `text`'s members (`layout` its layout; scanned when not
// valid). With `before` (a text, its layout and digests), a member whose
// bytes are the same as before keeps its digest; when `edited` is given
// (EditArrays' SplicedText::edited: the text is before's with those members
// changed), the others keep theirs without a comparison.
struct DigestedText {
  std::string_view text;
  const JsonLayout* layout = nullptr;
  const MemberDigests* digests = nullptr;
  const std::vector<size_t>* edited = nullptr;
};
MemberDigests DigestMembers(std::string_view text, const JsonLayout& layout, const DigestedText& before = {},
                            DigestMemo* memo = nullptr);

// True for a digest of this kind (not a whole text's SHA-256 hex).
inline bool IsMemberDigest(std::string_view digest) { return digest.substr(0, 3) == "m1:"; }

}  // namespace isthmus::state
