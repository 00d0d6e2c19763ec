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

// RFC 4648 base64 without padding; url: the URL-safe alphabet ('-', '_').
std::string Base64(const std::string& bytes, bool url = false);
// Either alphabet, padding optional; InvalidArgument on any other character.
Result<std::string> FromBase64(const std::string& text);
// True when a and b hold the same bytes; time depends on the length only.
bool ConstantTimeEqual(const std::string& a, const std::string& b);

}  // namespace isthmus::crypto
