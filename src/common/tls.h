// TLS for every channel of the federation (docs/trust.md): mutual TLS with one
// federation CA. Each process holds only its own key; a certificate's common
// name is the identity a peer is authorized as ("central", "cloud/NAME",
// "host/CLOUD/HOST", "operator"). Servers use MakeServerContext; clients use
// the process-wide files set once by SetClientTls (http.h's HttpCall).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"

struct ssl_ctx_st;
struct ssl_st;

namespace isthmus {

struct TlsFiles {
  std::string ca;    // the federation CA's certificate (PEM)
  std::string cert;  // this process's certificate (PEM), signed by the CA
  std::string key;   // its private key (PEM); must not be group/world readable
  bool empty() const { return ca.empty() && cert.empty() && key.empty(); }
};

struct TlsServerConfig {
  TlsFiles files;
  // true: a client without a certificate the CA signed is refused in the
  // handshake (clouds); false: it may connect, with no peer identity (central's
  // user API, where the openstack CLI comes with a token, not a certificate).
  bool require_client_cert = true;
};

struct SslCtxFree {
  void operator()(ssl_ctx_st* ctx) const;
};
using SslCtx = std::unique_ptr<ssl_ctx_st, SslCtxFree>;

// Checks the three files (all required, key 0600 or stricter, key matches the
// certificate) and builds a TLS 1.2+ server context that verifies clients.
[[nodiscard]] Result<SslCtx> MakeServerContext(const TlsServerConfig& config);

// The common name of the peer's certificate, when the handshake verified one.
std::string PeerIdentity(ssl_st* ssl);

// Client side: the files every https:// call of this process uses (none: the
// process makes only plain http:// calls). Checked like a server's.
[[nodiscard]] Status SetClientTls(const TlsFiles& files);
TlsFiles ClientTls();

// Reads --tls-ca/--tls-cert/--tls-key style values: all three or none.
[[nodiscard]] Result<TlsFiles> TlsFilesFrom(const std::string& ca, const std::string& cert,
                                            const std::string& key);
// A server daemon's TLS (central, cloud): the three files, or none when
// `insecure` (plain HTTP, tests only); also this process's client files.
[[nodiscard]] Result<TlsFiles> DaemonTls(const std::string& ca, const std::string& cert,
                                         const std::string& key, bool insecure);

}  // namespace isthmus
