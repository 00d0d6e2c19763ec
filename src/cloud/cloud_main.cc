#include "cloud/cloud_main.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <thread>

#include "cloud/controller.h"
#include "common/config.h"
#include "common/keystone_client.h"
#include "common/http.h"
#include "common/http_server.h"
#include "common/identities.h"
#include "common/metrics.h"
#include "common/tls.h"
#include "common/log.h"

namespace isthmus::cloud {
namespace {

constexpr char kHelp[] = R"(usage: isthmus cloud --name NAME --central URL --db PATH [options]

One cloud's controller: receives its share of the federation from central,
registers hosts and gives them DVR MACs, computes every host's desired state and
serves it to agents (docs/architecture.md).

  --name NAME                  this cloud's name, as registered at central
  --listen HOST:PORT           agent API address (default 127.0.0.1:9701)
  --central URL                central's API, e.g. http://127.0.0.1:9696
  --central-user NAME          user (admin role) this cloud authenticates to
                               central as; "" when central runs --no-auth
  --central-password TEXT      its password (better in --config FILE, which
                               `ps` does not show)
  --central-project NAME       project to scope the token to (default: the user's)
  --db PATH                    SQLite database file
  --dvr-mac-federation BOOL    trust other clouds' DVR MACs (default true);
                               --no-dvr-mac-federation turns it off
  --agent-down-time SECONDS    a host whose agent made no contact for this long
                               is dead and its ports DOWN (default 75, Neutron's)
  --tls-ca FILE                the federation CA's certificate (PEM)
  --tls-cert FILE              this cloud's certificate (CN cloud/NAME), served
                               to agents and central and shown to central
  --tls-key FILE               its private key (mode 0600)
  --insecure                   plain HTTP, no peer identities: anyone may push
                               events and register hosts (tests only)
  --config FILE                key = value file with the same keys
)";

// Who may call what (docs/trust.md): events only from central; a host's
// registration and state only by that host (its state also by central and
// operators); the dump by central and operators. Without TLS (--insecure, tests
// only) there is no peer identity and everything is allowed.
class Peers {
 public:
  Peers(std::string cloud, bool enforce) : cloud_(std::move(cloud)), enforce_(enforce) {}
  Status Require(const HttpRequest& req, std::initializer_list<std::string> allowed) const {
    if (!enforce_) return Status::Ok();
    for (const auto& a : allowed)
      if (req.peer == a) return Status::Ok();
    LOG_WARN("refused " << req.method << " " << req.path << " from '" << req.peer << "' at "
                        << req.remote_addr);
    return Status(Code::kForbidden, "certificate '" + req.peer + "' may not " + req.method + " " + req.path);
  }
  std::string Host(const std::string& host) const { return identities::Host(cloud_, host); }
  bool enforced() const { return enforce_; }

 private:
  std::string cloud_;
  bool enforce_;
};

// What the command line and --config give, checked.
struct Settings {
  std::string name, db;
  bool dvr_mac_federation = true;
  int down_time_s = 75;
  Endpoint central, listen;
  Credentials credentials;  // for central
  TlsFiles tls;
};

Result<Settings> ParseSettings(const std::vector<std::string>& args) {
  ISTHMUS_ASSIGN_OR_RETURN(cfg, Config::Load({{"name", ""},
                                              {"listen", "127.0.0.1:9701"},
                                              {"central", ""},
                                              {"db", ""},
                                              {"dvr_mac_federation", "true"},
                                              {"agent_down_time", "75"},
                                              {"central_user", ""},
                                              {"central_password", ""},
                                              {"central_project", ""},
                                              {"tls_ca", ""},
                                              {"tls_cert", ""},
                                              {"tls_key", ""},
                                              {"insecure", "false"}},
                                             args));
  ISTHMUS_RETURN_IF_ERROR(cfg.Require({"name", "central", "db"}));
  Settings s;
  s.name = cfg.Get("name");
  s.db = cfg.Get("db");
  Result<bool> federation = ParseBool(cfg.Get("dvr_mac_federation"));
  if (!federation.ok()) return InvalidArgument("--dvr-mac-federation: " + federation.status().message());
  s.dvr_mac_federation = *federation;
  const std::string text = cfg.Get("agent_down_time");
  char* end = nullptr;
  long v = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < 1 || v > 86400)
    return InvalidArgument("--agent-down-time: '" + text + "' is not a number of seconds from 1 to 86400");
  s.down_time_s = static_cast<int>(v);
  ISTHMUS_ASSIGN_OR_RETURN(central, Endpoint::Parse(cfg.Get("central")));
  s.central = central;
  ISTHMUS_ASSIGN_OR_RETURN(listen, Endpoint::Parse(cfg.Get("listen")));
  s.listen = listen;
  s.credentials = {cfg.Get("central_user"), cfg.Get("central_password"), cfg.Get("central_project")};
  Result<bool> insecure = ParseBool(cfg.Get("insecure"));
  if (!insecure.ok()) return InvalidArgument("--insecure: " + insecure.status().message());
  ISTHMUS_ASSIGN_OR_RETURN(tls, DaemonTls(cfg.Get("tls_ca"), cfg.Get("tls_cert"), cfg.Get("tls_key"), *insecure));
  s.tls = std::move(tls);
  return s;
}

// GET /v1/hosts/{host}/state: the host's state once its revision is past
// `after` (a long poll of up to `wait` seconds), whole or as a delta.
void InstallStateRoute(HttpServer& server, Controller& c, const Peers& peers) {
  server.GetAsync(R"(/v1/hosts/([^/]+)/state)", [&](const HttpRequest& req, HttpServer::Reply reply) {
    auto refuse = [&](const Status& st) {
      httplib::Response res;
      WriteError(res, st);
      reply(std::move(res));
    };
    if (Status st = peers.Require(req, {peers.Host(req.matches[1]), identities::kCentral, identities::kOperator});
        !st.ok())
      return refuse(st);
    int64_t after = 0;
    int wait_s = 30;
    std::optional<int64_t> applied;
    // delta=2: an agent that merges deltas and checks them by member digest;
    // delta=1: by the whole text's SHA-256 (older agents); others get whole
    // states (state/state_delta.h).
    const std::string delta_param = req.get_param_value("delta");
    const state::DeltaMode delta = delta_param == "2"   ? state::DeltaMode::kMemberDigest
                                   : delta_param == "1" ? state::DeltaMode::kSha256
                                                        : state::DeltaMode::kWhole;
    // unchanged=204: no change is answered 204, not 304. cpp-httplib reads a
    // 304 without Content-Length until the connection closes, so an agent
    // that keeps its connection asks for 204 (older agents get 304).
    const int unchanged = req.get_param_value("unchanged") == "204" ? 204 : 304;
    try {
      if (req.has_param("after")) after = std::stoll(req.get_param_value("after"));
      if (req.has_param("wait")) wait_s = std::stoi(req.get_param_value("wait"));
      if (req.has_param("applied")) applied = std::stoll(req.get_param_value("applied"));
    } catch (...) {
      return refuse(InvalidArgument("after, wait and applied must be integers"));
    }
    // The host's own agent (it says what it applied) makes contact; central
    // and operators reading a state do not.
    if (applied && (!peers.enforced() || req.peer == peers.Host(req.matches[1]))) {
      if (Status st = c.HostContact(req.matches[1], applied); !st.ok()) return refuse(st);
    }
    // Live agents come back well within the agent down time.
    wait_s = std::clamp(wait_s, 0, std::min(60, c.MaxWaitSeconds()));
    c.WatchState(req.matches[1], after, wait_s * 1000, delta,
                 [reply, unchanged](Result<std::optional<std::string>> s) {
                   httplib::Response res;
                   if (!s.ok()) {
                     WriteError(res, s.status());
                   } else if (!s->has_value()) {
                     res.status = unchanged;
                   } else {
                     res.status = 200;  // the state's JSON text as computed (Controller::Recompute), or a delta
                     res.set_content(std::move(**s), "application/json");
                   }
                   reply(std::move(res));
                 });
  });
}

// What central calls (events), what agents call (registration, state,
// applied reports) and what operators read (metrics, dump).
void InstallRoutes(HttpServer& server, Controller& c, const Peers& peers) {
  server.Get("/", [](const HttpRequest&, httplib::Response& res) {
    WriteJson(res, 200, {{"service", "isthmus cloud"}});
  });
  server.Post("/v1/federation/events", [&](const HttpRequest& req, httplib::Response& res) {
    if (Status st = peers.Require(req, {identities::kCentral}); !st.ok()) return WriteError(res, st);
    auto body = ParseJsonBody(req);
    auto applied = body.ok() ? c.ApplyEvents(*body) : Result<int64_t>(body.status());
    if (applied.ok()) return WriteJson(res, 200, {{"applied_seq", *applied}});
    if (applied.status().code() != Code::kConflict) return WriteError(res, applied.status());
    // A gap: central learns where this cloud stands (docs/architecture.md, "Central -> cloud: events").
    WriteJson(res, 409, {{"NeutronError", {{"type", "SequenceGap"}, {"message", applied.status().message()},
                                           {"detail", ""}}},
                         {"applied_seq", c.AppliedSeq()}});
  });
  server.Post("/v1/hosts", [&](const HttpRequest& req, httplib::Response& res) {
    auto body = ParseJsonBody(req);
    if (!body.ok()) return WriteError(res, body.status());
    const auto& name = (*body)["host"].is_object() ? (*body)["host"].value("name", nlohmann::json()) : nlohmann::json();
    if (Status st = peers.Require(req, {peers.Host(name.is_string() ? name.get<std::string>() : "")}); !st.ok())
      return WriteError(res, st);
    auto host = c.RegisterHost(*body);
    if (!host.ok()) return WriteError(res, host.status());
    WriteJson(res, 200, {{"host", *host}});
  });
  InstallStateRoute(server, c, peers);
  // {"applied": {"revision": R}}: the host's agent applied its state at revision R.
  server.Post(R"(/v1/hosts/([^/]+)/applied)", [&](const HttpRequest& req, httplib::Response& res) {
    if (Status st = peers.Require(req, {peers.Host(req.matches[1])}); !st.ok()) return WriteError(res, st);
    auto body = ParseJsonBody(req);
    if (!body.ok()) return WriteError(res, body.status());
    const auto& a = body->is_object() && body->contains("applied") ? (*body)["applied"] : nlohmann::json();
    if (!a.is_object() || !a.contains("revision") || !a["revision"].is_number_integer() ||
        a["revision"].get<int64_t>() < 0)
      return WriteError(res, InvalidArgument("expected {\"applied\": {\"revision\": <integer >= 0>}}"));
    if (Status st = c.HostContact(req.matches[1], a["revision"].get<int64_t>()); !st.ok())
      return WriteError(res, st);
    res.status = 204;
  });
  metrics::ServeMetrics(server, "isthmus_cloud", [&](const HttpRequest& req) {
    return peers.Require(req, {identities::kCentral, identities::kOperator});
  });
  server.Get("/v1/dump", [&](const HttpRequest& req, httplib::Response& res) {
    if (Status st = peers.Require(req, {identities::kCentral, identities::kOperator}); !st.ok())
      return WriteError(res, st);
    WriteJson(res, 200, c.Dump());
  });
}

}  // namespace

int Main(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::cout << kHelp;
    return 0;
  }
  auto settings = ParseSettings(args);
  if (!settings.ok()) {
    std::cerr << "isthmus cloud: " << settings.status().message() << "\n";
    return 2;
  }
  const Settings& s = *settings;
  SetLogTag("cloud " + s.name);
  auto controller = Controller::Create(s.name, s.db, DesiredStateOptions{s.dvr_mac_federation},
                                       StatusOptions{std::chrono::seconds(s.down_time_s)});
  if (!controller.ok()) {
    LOG_ERROR(controller.status().message());
    return 1;
  }
  Controller& c = **controller;

  HttpServerOptions options;
  options.workers = 4;
  options.max_body_bytes = 256u << 20;  // central's batches and snapshots; only central may send them
  if (!s.tls.empty()) options.tls = TlsServerConfig{s.tls, /*require_client_cert=*/true};
  else LOG_WARN("serving without TLS (--insecure): anyone may push events and register hosts");
  Peers peers(s.name, !s.tls.empty());
  HttpServer server(options);
  InstallRoutes(server, c, peers);
  auto port = server.Bind(s.listen.host, s.listen.port);
  if (!port.ok()) {
    LOG_ERROR(port.status().message());
    return 1;
  }

  bool stop = false;
  TokenSource tokens(s.central, s.credentials);
  std::thread reporter([&] { c.RunReporter(s.central, tokens, stop); });
  LOG_INFO("serving agents on " << s.listen.ToString() << (s.tls.empty() ? "" : " (TLS)")
                                << ", DVR MAC federation " << (s.dvr_mac_federation ? "on" : "off"));
  server.Run(/*stop_on_signals=*/true);
  LOG_INFO("stopping");
  stop = true;
  c.Shutdown();
  reporter.join();
  return 0;
}

}  // namespace isthmus::cloud
