#include "state/state_digest.h"

#include <openssl/evp.h>

#include "common/crypto.h"

namespace isthmus::state {
namespace {

MemberDigest Hash(std::string_view bytes) {
  MemberDigest out{};
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

// A member's bytes: key, colon, value.
std::string_view MemberText(std::string_view text, const JsonLayout::Member& m) {
  return text.substr(m.key_begin, m.value_end - m.key_begin);
}

// A member's key, with its quotes.
std::string_view KeyText(std::string_view text, const JsonLayout::Member& m) {
  return text.substr(m.key_begin, m.key_end - m.key_begin);
}

// A cheap key for the memo: the size and 16 bytes sampled along the text
// (the memo compares the whole text before it trusts a hit).
uint64_t Sample(std::string_view t) {
  uint64_t h = 1469598103934665603ull ^ t.size();
  for (size_t i = 0; i < 16; ++i) {
    h ^= static_cast<unsigned char>(t[(t.size() - 1) * i / 15]);
    h *= 1099511628211ull;
  }
  return h;
}

}  // namespace

std::string MemberDigests::Digest() const {
  std::string joined;
  joined.reserve(of.size() * 32);
  for (const MemberDigest& d : of) joined.append(reinterpret_cast<const char*>(d.data()), d.size());
  return "m1:" + crypto::Sha256Hex(joined);
}

bool DigestMemo::Remembers(std::string_view key) const {
  for (const auto& k : keys_)
    if (k == key) return true;
  return false;
}

MemberDigest DigestMemo::Of(std::string_view member) {
  if (member.size() < kMinBytes) return Hash(member);
  auto& bucket = by_sample_[Sample(member)];
  for (const auto& [text, digest] : bucket)
    if (text == member) return digest;
  MemberDigest d = Hash(member);
  bucket.emplace_back(std::string(member), d);
  return d;
}

namespace {
// A member's digest, through the memo when it remembers that member.
MemberDigest Digest(std::string_view text, const JsonLayout::Member& m, DigestMemo* memo) {
  std::string_view bytes = MemberText(text, m);
  if (memo && memo->Remembers(KeyText(text, m))) return memo->Of(bytes);
  return Hash(bytes);
}
}  // namespace

MemberDigests DigestMembers(std::string_view text, const JsonLayout& given, const DigestedText& before,
                            DigestMemo* memo) {
  JsonLayout scanned;
  const JsonLayout* layout = &given;
  if (!given.valid) {
    scanned = LayoutOf(text);
    layout = &scanned;
  }
  MemberDigests out;
  out.of.reserve(layout->members.size());
  const bool reuse = before.layout && before.digests && before.layout->valid &&
                     before.layout->members.size() == before.digests->of.size() &&
                     (before.layout->members.empty() || before.layout->members.back().value_end <= before.text.size());
  if (reuse && before.edited && layout->members.size() == before.digests->of.size()) {
    out.of = before.digests->of;
    for (size_t i : *before.edited) {
      if (i >= out.of.size()) return DigestMembers(text, *layout, {}, memo);  // not an edit of before
      out.of[i] = Digest(text, layout->members[i], memo);
    }
    return out;
  }
  size_t j = 0;  // the old member with the same key or the next one (keys ascend in both)
  for (const JsonLayout::Member& m : layout->members) {
    std::string_view bytes = MemberText(text, m);
    if (reuse) {
      std::string_view key = KeyText(text, m);
      const auto& old = before.layout->members;
      while (j < old.size() && KeyText(before.text, old[j]) < key) ++j;
      if (j < old.size() && MemberText(before.text, old[j]) == bytes) {
        out.of.push_back(before.digests->of[j]);
        continue;
      }
    }
    out.of.push_back(Digest(text, m, memo));
  }
  return out;
}

}  // namespace isthmus::state
