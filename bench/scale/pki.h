// The scale harness's federation CA, made in-process with libcrypto: P-256 keys
// and certificates for central, the clouds and the operator (written as PEM files
// for the daemons) and for each of the 10,000 simulated hosts (kept in memory).
// The `openssl` CLI takes ~20 ms a certificate; this takes well under 1 ms.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

struct evp_pkey_st;
struct x509_st;

namespace isthmus::bench {

struct PkeyFree {
  void operator()(evp_pkey_st* k) const;
};
struct X509Free {
  void operator()(x509_st* c) const;
};
using Pkey = std::unique_ptr<evp_pkey_st, PkeyFree>;
using Cert = std::unique_ptr<x509_st, X509Free>;

struct KeyAndCert {
  Pkey key;
  Cert cert;
};

class ScalePki {
 public:
  // A fresh CA (its key never leaves the process).
  [[nodiscard]] Status Init();
  // A key and a certificate whose common name is `identity`, valid for
  // 127.0.0.1 and localhost, as server and client.
  Result<KeyAndCert> Issue(const std::string& identity) const;
  // Issue and write DIR/NAME.crt, DIR/NAME.key (0600) and DIR/ca.crt.
  [[nodiscard]] Status WriteFiles(const std::string& dir, const std::string& name,
                                  const std::string& identity) const;
  x509_st* ca() const { return ca_.cert.get(); }

 private:
  KeyAndCert ca_;
  mutable long serial_ = 1;
};

}  // namespace isthmus::bench
