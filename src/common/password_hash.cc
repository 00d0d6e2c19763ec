#include "common/password_hash.h"

#include <openssl/evp.h>

#include <vector>

#include "common/crypto.h"

namespace isthmus {
namespace {

constexpr char kScheme[] = "pbkdf2-sha256";
constexpr size_t kSaltBytes = 16, kHashBytes = 32;

struct Parsed {
  int iterations = 0;
  std::string salt, hash;
};

Result<std::string> Derive(const std::string& password, const std::string& salt, int iterations, size_t len) {
  std::string out(len, '\0');
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(salt.data()), static_cast<int>(salt.size()),
                        iterations, EVP_sha256(), static_cast<int>(len),
                        reinterpret_cast<unsigned char*>(out.data())) != 1)
    return Internal("PBKDF2 failed (OpenSSL)");
  return out;
}

Result<Parsed> Parse(const std::string& encoded) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dollar; (dollar = encoded.find('$', start)) != std::string::npos; start = dollar + 1)
    parts.push_back(encoded.substr(start, dollar - start));
  parts.push_back(encoded.substr(start));
  auto bad = [](const std::string& why) {
    return InvalidArgument(std::string("not a password hash (") + kScheme + "$ITERATIONS$SALT$HASH): " + why);
  };
  if (parts.size() != 4) return bad("expected 4 fields separated by '$'");
  if (parts[0] != kScheme) return bad("unknown scheme '" + parts[0] + "'");
  Parsed p;
  if (parts[1].empty() || parts[1].size() > 9 || parts[1].find_first_not_of("0123456789") != std::string::npos)
    return bad("iterations '" + parts[1] + "' is not a number");
  p.iterations = std::stoi(parts[1]);
  if (p.iterations < kMinPasswordIterations || p.iterations > kMaxPasswordIterations)
    return bad("iterations must lie in " + std::to_string(kMinPasswordIterations) + ".." +
               std::to_string(kMaxPasswordIterations));
  auto salt = crypto::FromBase64(parts[2]);
  auto hash = crypto::FromBase64(parts[3]);
  if (!salt.ok() || salt->size() < 8) return bad("the salt must be base64 of at least 8 bytes");
  if (!hash.ok() || hash->size() < 16) return bad("the hash must be base64 of at least 16 bytes");
  p.salt = std::move(*salt);
  p.hash = std::move(*hash);
  return p;
}

}  // namespace

Result<std::string> HashPassword(const std::string& password, int iterations) {
  if (iterations < kMinPasswordIterations || iterations > kMaxPasswordIterations)
    return InvalidArgument("iterations must lie in " + std::to_string(kMinPasswordIterations) + ".." +
                           std::to_string(kMaxPasswordIterations));
  auto salt = crypto::RandomBytes(kSaltBytes);
  if (!salt.ok()) return salt.status();
  auto hash = Derive(password, *salt, iterations, kHashBytes);
  if (!hash.ok()) return hash.status();
  return std::string(kScheme) + "$" + std::to_string(iterations) + "$" + crypto::Base64(*salt) + "$" +
         crypto::Base64(*hash);
}

Status CheckPasswordHash(const std::string& encoded) {
  auto p = Parse(encoded);
  return p.ok() ? Status::Ok() : p.status();
}

bool VerifyPassword(const std::string& encoded, const std::string& password) {
  auto p = Parse(encoded);
  if (!p.ok()) return false;
  auto got = Derive(password, p->salt, p->iterations, p->hash.size());
  return got.ok() && crypto::ConstantTimeEqual(*got, p->hash);
}

}  // namespace isthmus
