#include "common/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

namespace isthmus::crypto {

Result<std::string> RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1)
    return Internal("the system's random number generator failed (OpenSSL RAND_bytes)");
  return out;
}

std::string Sha256(const std::string& data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), len);
}

std::string Hex(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(2 * bytes.size());
  for (unsigned char b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

std::string Sha256Hex(const std::string& data) { return Hex(Sha256(data)); }

void Sha256Parts::Free::operator()(void* ctx) const { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx)); }

std::pair<std::string, Sha256Parts> Sha256Parts::Of(std::string_view text, const std::vector<uint32_t>& starts) {
  return Sha256Parts().Then(text, starts, 0);
}

std::pair<std::string, Sha256Parts> Sha256Parts::Then(std::string_view text, const std::vector<uint32_t>& starts,
                                                      size_t unchanged) const {
  Sha256Parts next;
  std::unique_ptr<void, Free> ctx(EVP_MD_CTX_new());
  auto* c = static_cast<EVP_MD_CTX*>(ctx.get());
  auto keep = [&](uint32_t at) {
    std::unique_ptr<void, Free> copy(EVP_MD_CTX_new());
    EVP_MD_CTX_copy_ex(static_cast<EVP_MD_CTX*>(copy.get()), c);
    next.states_.emplace_back(at, std::move(copy));
  };
  // The last kept state at or before `unchanged` (the ones before it are kept too).
  size_t from = 0;
  const EVP_MD_CTX* resume = nullptr;
  for (const auto& [at, state] : states_) {
    if (at > unchanged || at > text.size()) break;
    resume = static_cast<const EVP_MD_CTX*>(state.get());
    from = at;
  }
  if (resume) {
    EVP_MD_CTX_copy_ex(c, resume);
    for (const auto& [at, state] : states_) {
      if (at > from) break;
      std::unique_ptr<void, Free> copy(EVP_MD_CTX_new());
      EVP_MD_CTX_copy_ex(static_cast<EVP_MD_CTX*>(copy.get()), static_cast<const EVP_MD_CTX*>(state.get()));
      next.states_.emplace_back(at, std::move(copy));
    }
  } else {
    EVP_DigestInit_ex(c, EVP_sha256(), nullptr);
  }
  size_t done = from;
  for (uint32_t at : starts) {
    if (at <= from || at > text.size()) continue;
    EVP_DigestUpdate(c, text.data() + done, at - done);
    done = at;
    keep(at);
  }
  EVP_DigestUpdate(c, text.data() + done, text.size() - done);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(c, md, &len);
  return {Hex(std::string(reinterpret_cast<char*>(md), len)), std::move(next)};
}

std::string Base64(const std::string& bytes, bool url) {
  const char* abc = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
                        : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += abc[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += abc[(acc << (6 - bits)) & 63];
  return out;
}

Result<std::string> FromBase64(const std::string& text) {
  std::string in = text;
  while (!in.empty() && in.back() == '=') in.pop_back();
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = c >= 'A' && c <= 'Z'   ? c - 'A'
            : c >= 'a' && c <= 'z' ? c - 'a' + 26
            : c >= '0' && c <= '9' ? c - '0' + 52
            : c == '+' || c == '-' ? 62
            : c == '/' || c == '_' ? 63
                                   : -1;
    if (v < 0) return InvalidArgument("not base64: '" + text + "'");
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (bits >= 6) return InvalidArgument("not base64 (bad length): '" + text + "'");
  return out;
}

bool ConstantTimeEqual(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace isthmus::crypto
