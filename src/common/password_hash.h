// Password hashes as the identity file stores them: PBKDF2-HMAC-SHA256 with a
// per-password random salt, one self-describing string
// `pbkdf2-sha256$ITERATIONS$SALT$HASH` (salt and hash base64, no padding).
// docs/architecture.md, "Identity", says why this scheme and this cost.
#pragma once

#include <string>

#include "common/status.h"

namespace isthmus {

// OWASP's 2023 figure for PBKDF2-HMAC-SHA256; about 0.15-0.3 s on a 2-core
// machine, paid once per token issue (as Keystone pays bcrypt's).
inline constexpr int kPasswordIterations = 600000;
// What a hash may ask for: below the minimum it protects nothing, above the
// maximum one verification would stall central.
inline constexpr int kMinPasswordIterations = 1000;
inline constexpr int kMaxPasswordIterations = 10000000;

// A fresh salt (16 bytes) and the hash (32 bytes) of password.
Result<std::string> HashPassword(const std::string& password, int iterations = kPasswordIterations);
// Ok when encoded is a well-formed hash this code can verify; the error says what is wrong.
Status CheckPasswordHash(const std::string& encoded);
// True when password matches encoded (compared in constant time); false for a
// malformed hash.
bool VerifyPassword(const std::string& encoded, const std::string& password);

}  // namespace isthmus
