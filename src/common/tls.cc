#include "common/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <mutex>

#include "common/secret_file.h"

namespace isthmus {
namespace {

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

std::mutex g_client_mu;
TlsFiles g_client;

}  // namespace

void SslCtxFree::operator()(ssl_ctx_st* ctx) const { SSL_CTX_free(ctx); }

Result<TlsFiles> TlsFilesFrom(const std::string& ca, const std::string& cert, const std::string& key) {
  TlsFiles f{ca, cert, key};
  if (f.empty()) return f;
  if (ca.empty() || cert.empty() || key.empty())
    return InvalidArgument("TLS needs all of --tls-ca, --tls-cert and --tls-key");
  ISTHMUS_RETURN_IF_ERROR(CheckSecretFile(key, "a private key"));
  return f;
}

Result<TlsFiles> DaemonTls(const std::string& ca, const std::string& cert, const std::string& key,
                           bool insecure) {
  auto files = TlsFilesFrom(ca, cert, key);
  if (!files.ok()) return files.status();
  if (files->empty() && !insecure)
    return InvalidArgument("--tls-ca, --tls-cert and --tls-key are required (or --insecure, for tests only)");
  ISTHMUS_RETURN_IF_ERROR(SetClientTls(*files));
  return files;
}

Result<SslCtx> MakeServerContext(const TlsServerConfig& config) {
  const TlsFiles& f = config.files;
  if (f.ca.empty() || f.cert.empty() || f.key.empty())
    return InvalidArgument("a TLS server needs a CA, a certificate and a key");
  ISTHMUS_RETURN_IF_ERROR(CheckSecretFile(f.key, "a private key"));
  SslCtx ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) return Internal("SSL_CTX_new: " + OpenSslError());
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), f.cert.c_str()) != 1)
    return InvalidArgument("certificate " + f.cert + ": " + OpenSslError());
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), f.key.c_str(), SSL_FILETYPE_PEM) != 1)
    return InvalidArgument("key " + f.key + ": " + OpenSslError());
  if (SSL_CTX_check_private_key(ctx.get()) != 1)
    return InvalidArgument("key " + f.key + " does not match certificate " + f.cert);
  if (SSL_CTX_load_verify_locations(ctx.get(), f.ca.c_str(), nullptr) != 1)
    return InvalidArgument("CA " + f.ca + ": " + OpenSslError());
  // Tell clients which CA we accept (so one holding several certificates picks ours).
  if (STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(f.ca.c_str()))
    SSL_CTX_set_client_CA_list(ctx.get(), names);
  int mode = SSL_VERIFY_PEER;
  if (config.require_client_cert) mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  SSL_CTX_set_verify(ctx.get(), mode, nullptr);
  SSL_CTX_set_verify_depth(ctx.get(), 4);
  return ctx;
}

std::string PeerIdentity(ssl_st* ssl) {
  if (!ssl || SSL_get_verify_result(ssl) != X509_V_OK) return "";
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (!cert) return "";
  std::string cn;
  X509_NAME* subject = X509_get_subject_name(cert);
  int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (idx >= 0) {
    ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
    unsigned char* utf8 = nullptr;
    int len = ASN1_STRING_to_UTF8(&utf8, data);
    if (len > 0) cn.assign(reinterpret_cast<char*>(utf8), static_cast<size_t>(len));
    OPENSSL_free(utf8);
  }
  X509_free(cert);
  return cn;
}

Status SetClientTls(const TlsFiles& files) {
  if (!files.empty()) {
    if (files.ca.empty() || files.cert.empty() || files.key.empty())
      return InvalidArgument("TLS needs all of --tls-ca, --tls-cert and --tls-key");
    ISTHMUS_RETURN_IF_ERROR(CheckSecretFile(files.key, "a private key"));
  }
  std::lock_guard<std::mutex> lock(g_client_mu);
  g_client = files;
  return Status::Ok();
}

TlsFiles ClientTls() {
  std::lock_guard<std::mutex> lock(g_client_mu);
  return g_client;
}

}  // namespace isthmus
