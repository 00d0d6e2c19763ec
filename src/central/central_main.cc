#include "central/central_main.h"

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

// What the command line and --config give, checked.
struct Settings {
  std::string db, public_url;
  std::optional<Identity> identity;  // none: --no-auth
  ServiceOptions options;
  Endpoint listen;
  TlsFiles tls;
};

Result<Settings> ParseSettings(const std::vector<std::string>& args) {
  ISTHMUS_ASSIGN_OR_RETURN(cfg, Config::Load({{"listen", "127.0.0.1:9696"},
                                              {"db", ""},
                                              {"vni_range", "1000:1999"},
                                              {"identity", ""},
                                              {"auth", "true"},
                                              {"public_url", ""},
                                              {"tls_ca", ""},
                                              {"tls_cert", ""},
                                              {"tls_key", ""},
                                              {"insecure", "false"}},
                                             args));
  ISTHMUS_RETURN_IF_ERROR(cfg.Require({"db"}));
  Settings s;
  s.db = cfg.Get("db");
  s.public_url = cfg.Get("public_url");
  ISTHMUS_ASSIGN_OR_RETURN(auth, ParseBool(cfg.Get("auth")));
  if (auth) {
    if (cfg.Get("identity").empty()) return InvalidArgument("--identity FILE is required (or --no-auth, for tests only)");
    ISTHMUS_ASSIGN_OR_RETURN(id, Identity::Load(cfg.Get("identity")));
    s.identity.emplace(std::move(id));
  }
  ISTHMUS_ASSIGN_OR_RETURN(options, ParseVniRange(cfg.Get("vni_range")));
  s.options = options;
  ISTHMUS_ASSIGN_OR_RETURN(listen, Endpoint::Parse(cfg.Get("listen")));
  s.listen = listen;
  Result<bool> insecure = ParseBool(cfg.Get("insecure"));
  if (!insecure.ok()) return InvalidArgument("--insecure: " + insecure.status().message());
  ISTHMUS_ASSIGN_OR_RETURN(tls, DaemonTls(cfg.Get("tls_ca"), cfg.Get("tls_cert"), cfg.Get("tls_key"), *insecure));
  s.tls = std::move(tls);
  return s;
}

// Tokens outlive a restart (their hashes live in the same database), and what
// Keystone's admin API makes lives there too (shared by replicas).
Status UseIdentityStores(Identity& identity, const std::string& db) {
  ISTHMUS_ASSIGN_OR_RETURN(tokens, TokenStore::Open(db));
  if (Status st = identity.UseTokenStore(std::move(tokens)); !st.ok()) return Internal("tokens: " + st.message());
  ISTHMUS_ASSIGN_OR_RETURN(directory, IdentityStore::Open(db));
  if (Status st = identity.UseIdentityStore(std::move(directory)); !st.ok())
    return Internal("identity: " + st.message());
  return Status::Ok();
}

}  // namespace

int Main(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::cout << kHelp;
    return 0;
  }
  auto settings = ParseSettings(args);
  if (!settings.ok()) {
    std::cerr << "isthmus central: " << settings.status().message() << "\n";
    return 2;
  }
  Settings& s = *settings;
  SetLogTag("central");
  auto service = Service::Create(s.db, s.options);
  if (!service.ok()) {
    LOG_ERROR(service.status().message());
    return 1;
  }
  if (s.identity) {
    if (Status st = UseIdentityStores(*s.identity, s.db); !st.ok()) {
      LOG_ERROR(st.message());
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
  if (!s.tls.empty()) server_options.tls = TlsServerConfig{s.tls, /*require_client_cert=*/false};
  else LOG_WARN("serving without TLS (--insecure)");
  HttpServer server(server_options);
  if (!s.identity) LOG_WARN("authentication is off (--no-auth): every caller is an admin");
  InstallRoutes(server, **service, pusher, s.identity ? &*s.identity : nullptr, s.public_url,
                /*cloud_certs=*/!s.tls.empty());
  auto port = server.Bind(s.listen.host, s.listen.port);
  if (!port.ok()) {
    LOG_ERROR(port.status().message());
    return 1;
  }
  LOG_INFO("serving the federation API on " << s.listen.ToString() << (s.tls.empty() ? "" : " (TLS)"));
  server.Run(/*stop_on_signals=*/true);
  LOG_INFO("stopping");
  follower.Stop();
  pusher.Stop();
  return 0;
}

}  // namespace isthmus::central
