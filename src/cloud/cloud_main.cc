#include "cloud/cloud_main.h"

#include <csignal>
#include <iostream>
#include <thread>

#include "cloud/controller.h"
#include "common/config.h"
#include "common/keystone_client.h"
#include "common/http.h"
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
  --config FILE                key = value file with the same keys
)";

httplib::Server* g_server = nullptr;
void OnSignal(int) {
  if (g_server) g_server->stop();
}

}  // namespace

int Main(const std::vector<std::string>& args) {
  if (WantsHelp(args)) {
    std::cout << kHelp;
    return 0;
  }
  auto cfg = Config::Load({{"name", ""},
                           {"listen", "127.0.0.1:9701"},
                           {"central", ""},
                           {"db", ""},
                           {"dvr_mac_federation", "true"},
                           {"central_user", ""},
                           {"central_password", ""},
                           {"central_project", ""}},
                          args);
  Status st = cfg.ok() ? cfg->Require({"name", "central", "db"}) : cfg.status();
  Result<bool> federation = st.ok() ? ParseBool(cfg->Get("dvr_mac_federation")) : Result<bool>(st);
  if (st.ok() && !federation.ok())
    st = InvalidArgument("--dvr-mac-federation: " + federation.status().message());
  auto central = st.ok() ? Endpoint::Parse(cfg->Get("central")) : Result<Endpoint>(st);
  auto listen = st.ok() ? Endpoint::Parse(cfg->Get("listen")) : Result<Endpoint>(st);
  if (st.ok() && !central.ok()) st = central.status();
  if (st.ok() && !listen.ok()) st = listen.status();
  if (!st.ok()) {
    std::cerr << "isthmus cloud: " << st.message() << "\n";
    return 2;
  }
  SetLogTag("cloud " + cfg->Get("name"));
  auto controller = Controller::Create(cfg->Get("name"), cfg->Get("db"),
                                       DesiredStateOptions{*federation});
  if (!controller.ok()) {
    LOG_ERROR(controller.status().message());
    return 1;
  }
  Controller& c = **controller;

  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.Get("/", [](const httplib::Request&, httplib::Response& res) {
    WriteJson(res, 200, {{"service", "isthmus cloud"}});
  });
  server.Post("/v1/federation/events", [&](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseJsonBody(req);
    auto applied = body.ok() ? c.ApplyEvents(*body) : Result<int64_t>(body.status());
    if (applied.ok()) return WriteJson(res, 200, {{"applied_seq", *applied}});
    if (applied.status().code() != Code::kConflict) return WriteError(res, applied.status());
    // A gap: central learns where this cloud stands (docs/architecture.md, "Central -> cloud: events").
    WriteJson(res, 409, {{"NeutronError", {{"type", "SequenceGap"}, {"message", applied.status().message()},
                                           {"detail", ""}}},
                         {"applied_seq", c.AppliedSeq()}});
  });
  server.Post("/v1/hosts", [&](const httplib::Request& req, httplib::Response& res) {
    auto body = ParseJsonBody(req);
    auto host = body.ok() ? c.RegisterHost(*body) : Result<model::Host>(body.status());
    if (!host.ok()) return WriteError(res, host.status());
    WriteJson(res, 200, {{"host", *host}});
  });
  server.Get(R"(/v1/hosts/([^/]+)/state)", [&](const httplib::Request& req, httplib::Response& res) {
    int64_t after = 0;
    int wait_s = 30;
    try {
      if (req.has_param("after")) after = std::stoll(req.get_param_value("after"));
      if (req.has_param("wait")) wait_s = std::stoi(req.get_param_value("wait"));
    } catch (...) {
      return WriteError(res, InvalidArgument("after and wait must be integers"));
    }
    wait_s = std::clamp(wait_s, 0, 60);
    auto s = c.WaitState(req.matches[1], after, wait_s * 1000);
    if (!s.ok()) return WriteError(res, s.status());
    if (!s->has_value()) {
      res.status = 304;
      return;
    }
    WriteJson(res, 200, **s);
  });
  server.Get("/v1/dump", [&](const httplib::Request&, httplib::Response& res) {
    WriteJson(res, 200, c.Dump());
  });

  bool stop = false;
  TokenSource tokens(*central, {cfg->Get("central_user"), cfg->Get("central_password"),
                                cfg->Get("central_project")});
  std::thread reporter([&] { c.RunReporter(*central, tokens, stop); });
  g_server = &server;
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  LOG_INFO("serving agents on " << listen->ToString() << ", DVR MAC federation "
                                << (*federation ? "on" : "off"));
  bool ok = server.listen(listen->host.c_str(), listen->port);
  if (!ok) LOG_ERROR("cannot listen on " << listen->ToString());
  stop = true;
  c.Shutdown();
  reporter.join();
  return ok ? 0 : 1;
}

}  // namespace isthmus::cloud
