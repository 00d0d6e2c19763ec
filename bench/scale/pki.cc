#include "bench/scale/pki.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <cstdio>

namespace isthmus::bench {

void PkeyFree::operator()(evp_pkey_st* k) const { EVP_PKEY_free(k); }
void X509Free::operator()(x509_st* c) const { X509_free(c); }

namespace {

bool AddExt(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return false;
  bool ok = X509_add_ext(cert, ext, -1) == 1;
  X509_EXTENSION_free(ext);
  return ok;
}

// A certificate for `key` named `cn`, signed by issuer_key (self-signed when issuer is null).
Result<Cert> MakeCert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
                      long serial, bool is_ca) {
  Cert cert(X509_new());
  X509* c = cert.get();
  X509_set_version(c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
  X509_gmtime_adj(X509_getm_notBefore(c), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c), 7L * 24 * 3600);
  X509_set_pubkey(c, key);
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(c, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509* iss = issuer != nullptr ? issuer : c;
  bool ok = is_ca ? AddExt(c, iss, NID_basic_constraints, "critical,CA:TRUE") &&
                        AddExt(c, iss, NID_key_usage, "critical,keyCertSign,cRLSign")
                  : AddExt(c, iss, NID_basic_constraints, "critical,CA:FALSE") &&
                        AddExt(c, iss, NID_key_usage, "critical,digitalSignature,keyEncipherment") &&
                        AddExt(c, iss, NID_ext_key_usage, "serverAuth,clientAuth") &&
                        AddExt(c, iss, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  if (!ok) return Internal("cannot add the extensions of the certificate of " + cn);
  if (X509_sign(c, issuer_key, EVP_sha256()) == 0) return Internal("cannot sign the certificate of " + cn);
  return cert;
}

Status WritePem(const std::string& path, mode_t mode, bool (*write)(FILE*, void*), void* obj) {
  FILE* f = std::fopen(path.c_str(), "w");
  if (f == nullptr) return Unavailable("cannot write " + path);
  chmod(path.c_str(), mode);
  bool ok = write(f, obj);
  ok = std::fclose(f) == 0 && ok;
  return ok ? Status::Ok() : Unavailable("cannot write " + path);
}

bool WriteCert(FILE* f, void* c) { return PEM_write_X509(f, static_cast<X509*>(c)) == 1; }
bool WriteKey(FILE* f, void* k) {
  return PEM_write_PrivateKey(f, static_cast<EVP_PKEY*>(k), nullptr, nullptr, 0, nullptr, nullptr) == 1;
}

}  // namespace

Status ScalePki::Init() {
  ca_.key.reset(EVP_EC_gen("P-256"));
  if (!ca_.key) return Internal("cannot make the CA's EC key");
  auto cert = MakeCert(ca_.key.get(), "isthmus scale bench CA", nullptr, ca_.key.get(), serial_++, true);
  if (!cert.ok()) return cert.status();
  ca_.cert = std::move(*cert);
  return Status::Ok();
}

Result<KeyAndCert> ScalePki::Issue(const std::string& identity) const {
  KeyAndCert out;
  out.key.reset(EVP_EC_gen("P-256"));
  if (!out.key) return Internal("cannot make an EC key for " + identity);
  auto cert = MakeCert(out.key.get(), identity, ca_.cert.get(), ca_.key.get(), serial_++, false);
  if (!cert.ok()) return cert.status();
  out.cert = std::move(*cert);
  return out;
}

Status ScalePki::WriteFiles(const std::string& dir, const std::string& name,
                            const std::string& identity) const {
  auto kc = Issue(identity);
  if (!kc.ok()) return kc.status();
  ISTHMUS_RETURN_IF_ERROR(WritePem(dir + "/ca.crt", 0644, WriteCert, ca_.cert.get()));
  ISTHMUS_RETURN_IF_ERROR(WritePem(dir + "/" + name + ".crt", 0644, WriteCert, kc->cert.get()));
  return WritePem(dir + "/" + name + ".key", 0600, WriteKey, kc->key.get());
}

}  // namespace isthmus::bench
