// What the scale harness's phases share: its options, a keep-alive client of
// central's API, and the steady stream with its report (stream.cc).
#pragma once

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "bench/scale/agents.h"
#include "bench/scale/federation.h"
#include "bench/scale/model.h"
#include "bench/scale/tracker.h"

namespace isthmus::bench {

struct Options {
  ScaleShape shape;
  int events = 1000;
  double rate = 50;
  int fill_clients = 8;
  int loops = 2;
  int seed = 1;
  bool keep = false;
  FederationOptions fed;
};

inline double Secs(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// One keep-alive client of central's API, with the admin's token.
class CentralClient {
 public:
  CentralClient(Federation& fed, const std::string& dir)
      : fed_(fed), cli_("127.0.0.1", fed.CentralEndpoint().port, dir + "/tls/operator.crt",
                        dir + "/tls/operator.key") {
    cli_.set_ca_cert_path(dir + "/tls/ca.crt");
    cli_.enable_server_certificate_verification(true);
    cli_.set_keep_alive(true);
    cli_.set_tcp_nodelay(true);
    cli_.set_read_timeout(120, 0);
  }
  // (HTTP status or 0, body)
  std::pair<int, nlohmann::json> Call(const std::string& method, const std::string& path, const nlohmann::json* body) {
    httplib::Headers h = {{"X-Auth-Token", fed_.token()}};
    httplib::Result r = method == "POST"     ? cli_.Post(path, h, body->dump(), "application/nlohmann::json")
                        : method == "PUT"    ? cli_.Put(path, h, body->dump(), "application/nlohmann::json")
                        : method == "DELETE" ? cli_.Delete(path, h)
                                             : cli_.Get(path, h);
    if (!r) return {0, nlohmann::json()};
    return {r->status, nlohmann::json::parse(r->body, nullptr, false)};
  }

 private:
  Federation& fed_;
  httplib::SSLClient cli_;
};


inline nlohmann::json PortBody(ScaleModel& m, const PortPlan& p) {
  return {{"port",
           {{"network_id", m.networks()[p.network].id},
            {"mac_address", p.mac},
            {"binding:host_id", m.HostName(p.host)},
            {"device_owner", "compute:nova"},
            {"device_id", "vm-" + p.mac}}}};
}

// The rate-limited stream of creates and deletes, then the figures.
int RunStreamAndReport(const Options& o, Federation& fed, ScaleModel& m, SimulatedAgents& agents,
                       Tracker& tracker, std::vector<PortPlan> live);

}  // namespace isthmus::bench
