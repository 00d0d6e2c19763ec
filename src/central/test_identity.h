// Identity files for central's unit tests: password hashes at the minimum
// cost (the format states its iteration count), so tests issue tokens quickly.
#pragma once

#include <string>

#include "common/password_hash.h"

namespace isthmus::central {

inline std::string TestHash(const std::string& password) {
  auto h = HashPassword(password, kMinPasswordIterations);
  return h.ok() ? *h : "";
}

}  // namespace isthmus::central
