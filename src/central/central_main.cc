#include "central/central_main.h"

#include <malloc.h>

#include <iostream>
#include <optional>

#include "central/api.h"
#include "central/pusher.h"
#include "central/replica_follower.h"
#include "central/service.h"
#include "common/config.h"
#include "common/http.h"
#include "common/http_server.h"
#include "common/tls.h"
#include "common/log.h"

namespace isthmus::central {
namespace {

constexpr char kHelp[] = R"(usage: isthmus central --db PATH [options]

The federation: the user-facing API in Neutron v2.0 shapes, global allocations
(VNIs, IPs, MACs, DVR MAC prefixes) and the push of every change to the clouds
it affects (docs/architecture.md).

  --listen HOST:PORT   API address (default 127.0.0.1:9696)
  --db PATH|URL        SQLite database file, or a PostgreSQL libpq URL
                       postgresql://user@host:port/dbname; every central
                       started on the same PostgreSQL database is a replica
                       (any of them takes any request; docs/architecture.md,
                       "Replicas")
  --vni-range A:B      VXLAN segmentation IDs to allocate (default 1000:1999)
  --identity FILE      users, projects, roles and password hashes (JSON, mode
                       0600, docs/architecture.md, "Identity"); every call but
                       POST /v3/auth/tokens then needs an X-Auth-Token.
                       Required unless --no-auth.
  --no-auth            no authentication: every caller is an admin (tests only)
  --public-url URL     central's URL in the service catalog (default: from the
                       request's Host header)
  --tls-ca FILE        the federation CA's certificate (PEM)
  --tls-cert FILE      central's certificate (CN central): served to every
                       client, shown to clouds when pushing
  --tls-key FILE       its private key (mode 0600)
  --insecure           plain HTTP: clouds' reports are not checked against
                       their certificates, pushes go to http:// clouds (tests only)
  --config FILE        key = value file with the same keys
)";

Result<ServiceOptions> ParseVniRange(const std::string& text) {
  auto colon = text.find(':');
  try {
    if (colon != std::string::npos) {
      ServiceOptions o{std::stoi(text.substr(0, colon)), std::stoi(text.substr(colon + 1))};
      if (o.vni_min >= 1 && o.vni_min <= o.vni_max && o.vni_max <= 16777215) return o;
    }
  } catch (...) {
  }
  return InvalidArgument("--vni-range '" + text + "' must be MIN:MAX within 1:16777215");
}

}  // namespace

int Main(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::cout << kHelp;
    return 0;
  }
  auto cfg = Config::Load({{"listen", "127.0.0.1:9696"},
                           {"db", ""},
                           {"vni_range", "1000:1999"},
                           {"identity", ""},
                           {"auth", "true"},
                           {"public_url", ""},
                           {"tls_ca", ""},
                           {"tls_cert", ""},
                           {"tls_key", ""},
                           {"insecure", "false"}},
                          args);
  Status st = cfg.ok() ? cfg->Require({"db"}) : cfg.status();
  std::optional<Identity> identity;
  auto auth = st.ok() ? ParseBool(cfg->Get("auth")) : Result<bool>(st);
  if (st.ok() && !auth.ok()) st = auth.status();
  if (st.ok() && *auth) {
    if (cfg->Get("identity").empty()) {
      st = InvalidArgument("--identity FILE is required (or --no-auth, for tests only)");
    } else {
      auto id = Identity::Load(cfg->Get("identity"));
      if (id.ok()) identity.emplace(std::move(*id));
      else st = id.status();
    }
  }
  auto options = st.ok() ? ParseVniRange(cfg->Get("vni_range")) : Result<ServiceOptions>(st);
  auto listen = st.ok() ? Endpoint::Parse(cfg->Get("listen")) : Result<Endpoint>(st);
  if (st.ok() && !options.ok()) st = options.status();
  if (st.ok() && !listen.ok()) st = listen.status();
  Result<bool> insecure = st.ok() ? ParseBool(cfg->Get("insecure")) : Result<bool>(st);
  if (st.ok() && !insecure.ok()) st = InvalidArgument("--insecure: " + insecure.status().message());
  auto tls = st.ok() ? DaemonTls(cfg->Get("tls_ca"), cfg->Get("tls_cert"), cfg->Get("tls_key"), *insecure)
                     : Result<TlsFiles>(st);
  if (st.ok() && !tls.ok()) st = tls.status();
  if (!st.ok()) {
    std::cerr << "isthmus central: " << st.message() << "\n";
    return 2;
  }
  SetLogTag("central");
  // Fixed thresholds (glibc otherwise raises both after freeing a large block,
  // up to 32 and 64 MiB): a list's large body is mapped and unmapped, not kept
  // by each worker thread's arena once sent (docs/architecture.md, "Lists").
  mallopt(M_MMAP_THRESHOLD, 256 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1 << 20);
  auto service = Service::Create(cfg->Get("db"), *options);
  if (!service.ok()) {
    LOG_ERROR(service.status().message());
    return 1;
  }
  if (identity) {  // tokens outlive a restart: their hashes live in the same DB
    auto store = TokenStore::Open(cfg->Get("db"));
    Status tokens = store.ok() ? identity->UseTokenStore(std::move(*store)) : store.status();
    if (!tokens.ok()) {
      LOG_ERROR("tokens: " << tokens.message());
      return 1;
    }
    // What Keystone's admin API makes lives there too (shared by replicas).
    auto directory = IdentityStore::Open(cfg->Get("db"));
    Status users = directory.ok() ? identity->UseIdentityStore(std::move(*directory)) : directory.status();
    if (!users.ok()) {
      LOG_ERROR("identity: " << users.message());
      return 1;
    }
  }
  Pusher pusher(**service);
  pusher.Refresh();
  // On PostgreSQL every central on the database is a replica (docs/architecture.md, "Replicas").
  ReplicaFollower follower(**service, pusher);
  if (Status f = follower.Start(); !f.ok()) {
    LOG_ERROR("following the other replicas: " << f.message());
    return 1;
  }
  HttpServerOptions server_options;
  server_options.workers = 8;
  server_options.max_body_bytes = 1u << 20;
  if (!tls->empty()) server_options.tls = TlsServerConfig{*tls, /*require_client_cert=*/false};
  else LOG_WARN("serving without TLS (--insecure)");
  HttpServer server(server_options);
  if (!identity) LOG_WARN("authentication is off (--no-auth): every caller is an admin");
  InstallRoutes(server, **service, pusher, identity ? &*identity : nullptr, cfg->Get("public_url"),
                /*cloud_certs=*/!tls->empty());
  auto port = server.Bind(listen->host, listen->port);
  if (!port.ok()) {
    LOG_ERROR(port.status().message());
    return 1;
  }
  LOG_INFO("serving the federation API on " << listen->ToString() << (tls->empty() ? "" : " (TLS)"));
  server.Run(/*stop_on_signals=*/true);
  LOG_INFO("stopping");
  follower.Stop();
  pusher.Stop();
  return 0;
}

}  // namespace isthmus::central
