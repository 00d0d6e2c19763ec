// Cryptographic primitives isthmus uses, over OpenSSL's libcrypto: random
// bytes from its CSPRNG, SHA-256, base64 and a constant-time comparison. Every
// secret (tokens, salts, lab passwords) comes from RandomBytes.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace isthmus::crypto {

// n bytes from OpenSSL's CSPRNG (RAND_bytes); Internal if it cannot seed.
Result<std::string> RandomBytes(size_t n);
// Raw 32-byte SHA-256 digest, and the same as 64 lowercase hex digits.
std::string Sha256(const std::string& data);
std::string Sha256Hex(const std::string& data);
std::string Hex(const std::string& bytes);

// The SHA-256 of a text made of parts (an object's members), keeping the
// hash's state where each part begins: when a text changes only from some
// offset on, its digest hashes from the last kept state before that offset,
// not from the start (a host state whose security groups changed rehashes
// from them, not its fdb entries before).
class Sha256Parts {
 public:
  Sha256Parts() = default;
  Sha256Parts(Sha256Parts&&) noexcept = default;
  Sha256Parts& operator=(Sha256Parts&&) noexcept = default;
  // Sha256Hex(text), keeping the state at each of `starts` (ascending offsets).
  static std::pair<std::string, Sha256Parts> Of(std::string_view text, const std::vector<uint32_t>& starts);
  // The same for a text whose bytes before `unchanged` are those of the text
  // this hashed (its kept states from there on are not used).
  std::pair<std::string, Sha256Parts> Then(std::string_view text, const std::vector<uint32_t>& starts,
                                           size_t unchanged) const;

 private:
  struct Free {
    void operator()(void* ctx) const;
  };
  std::vector<std::pair<uint32_t, std::unique_ptr<void, Free>>> states_;  // offset -> state after text[0, offset)
};
// RFC 4648 base64 without padding; url: the URL-safe alphabet ('-', '_').
std::string Base64(const std::string& bytes, bool url = false);
// Either alphabet, padding optional; InvalidArgument on any other character.
Result<std::string> FromBase64(const std::string& text);
// True when a and b hold the same bytes; time depends on the length only.
bool ConstantTimeEqual(const std::string& a, const std::string& b);

}  // namespace isthmus::crypto
