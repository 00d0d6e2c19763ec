// Convergence benchmark (docs/requirements.md, "Targets"; docs/benchmarks.md):
// how long after the API calls a new port (default) or a new subnet attached to
// a router (--new-subnet) in cloud2 is reachable from an instance of cloud1 on
// another subnet. Needs a running `isthmus lab up s2`.
//
// Each round plugs a new instance namespace on c2-h2 with a chosen MAC and IP
// (as Nova plugs a VIF), starts `ping -i 0.005` from instance1 toward it, then
// makes the resources through central's API as a user would and reports the
// time from the first call to the first echo request that got a reply. Prints
// every round and the median.
//
//   bench_convergence [ROUNDS] [--new-subnet]
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <regex>
#include <thread>

#include "common/http.h"
#include "common/process.h"
#include "lab/builder.h"
#include "lab/facts.h"
#include "lab/machine.h"
#include "lab/paths.h"

using namespace isthmus;
using nlohmann::json;

namespace {

// Wall-clock HH:MM:SS.mmm (UTC) of a Now() value, to line rounds up with the daemons' logs.
std::string Clock(double t) {
  time_t secs = static_cast<time_t>(t);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%03d", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>((t - static_cast<double>(secs)) * 1000));
  return buf;
}

double Now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// A 5 ms ping train from instance1 to an address, in the background.
class PingTrain {
 public:
  explicit PingTrain(const std::string& ip)
      : out_("/tmp/isthmus-bench-ping-" + std::to_string(getpid())) {
    std::string cmd = "ip netns exec " + lab::InstanceNamespace("instance1") +
                      " ping -D -n -i 0.005 -W 1 -c 2000 " + ip + " > " + out_ + " 2>&1 & echo $! > " +
                      out_ + ".pid";
    std::system(cmd.c_str());
  }
  ~PingTrain() {
    std::ifstream in(out_ + ".pid");
    pid_t pid = 0;
    if (in >> pid && pid > 0) kill(pid, SIGTERM);
    unlink(out_.c_str());
    unlink((out_ + ".pid").c_str());
  }
  // Milliseconds from t0 to the first reply, waiting up to 6 s; -1 if none.
  double FirstReplyMs(double t0) const {
    std::regex stamp_re("^\\[([0-9.]+)\\]");
    for (int i = 0; i < 600; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      FILE* f = std::fopen(out_.c_str(), "r");
      if (!f) continue;
      char line[512];
      double ms = -1;
      while (ms < 0 && std::fgets(line, sizeof line, f)) {
        std::cmatch m;
        // ping -D stamps each reply with the wall-clock time it arrived.
        if (std::strstr(line, "bytes from") && std::regex_search(line, m, stamp_re))
          ms = (std::atof(m[1].first) - t0) * 1000;
      }
      std::fclose(f);
      if (ms >= 0) return ms;
    }
    return -1;
  }

 private:
  std::string out_;
};

struct Bench {
  Bench(Endpoint c, TokenSource& t, json f)
      : central(c, 5000, HttpSession::Retry::kNever), tokens(t), facts(std::move(f)) {}
  SystemRunner runner;
  // One kept-alive connection, as Nova's client session keeps one to Neutron
  // (no retry: a POST is not idempotent).
  HttpSession central;
  TokenSource& tokens;
  json facts;

  Result<HttpReply> Call(const std::string& method, const std::string& path, const json* body = nullptr) {
    return AuthedCall(tokens, central, method, path, body);
  }

  // An instance namespace on c2-h2 with its address and default route, its VIF
  // plugged with a placeholder iface-id (the port id is not known before the POST).
  Status Plug(const std::string& name, const std::string& mac, const std::string& ip,
              const std::string& gateway) {
    // Configured statically: this measures the data plane's convergence, not DHCP.
    lab::InstanceSpec spec{name, "c2-h2", {{"eth0", mac, "pending-" + name, 1450}}};
    Status st = lab::CreateInstance(runner, spec);
    std::string ns = lab::InstanceNamespace(name);
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0"},
             {"ip", "-n", ns, "route", "add", "default", "via", gateway}})
      if (st.ok()) st = runner.Check({args, "", {}}).status();
    return st;
  }
  // The port's real iface-id on the VIF: one OVSDB update, as os-vif does.
  void Bind(const std::string& name, const std::string& port_id) {
    (void)runner.Check({{"ovs-vsctl", "--db=" + lab::OvsEnv("c2-h2").db, "set", "Interface",
                         std::string("t-") + name, "external_ids:iface-id=" + port_id},
                        "",
                        {}});
  }
  void Unplug(const std::string& name) {
    (void)runner.Run({{"ip", "netns", "del", lab::InstanceNamespace(name)}, "", {}});
    (void)runner.Run({{"ovs-vsctl", "--db=" + lab::OvsEnv("c2-h2").db, "--if-exists", "del-port",
                       "br-int", std::string("t-") + name},
                      "",
                      {}});
  }
  Result<std::string> CreatePort(const std::string& name, const std::string& net_id,
                                 const std::string& subnet_id, const std::string& mac,
                                 const std::string& ip) {
    json body = {{"port",
                  {{"network_id", net_id},
                   {"mac_address", mac},
                   {"fixed_ips", {{{"subnet_id", subnet_id}, {"ip_address", ip}}}},
                   {"binding:host_id", "c2-h2"},
                   {"device_owner", "compute:nova"},
                   {"device_id", name}}}};
    auto reply = Call("POST", "/v2.0/ports", &body);
    if (!reply.ok() || reply->status != 201) return Internal("port create failed");
    return reply->body["port"]["id"].get<std::string>();
  }

  // A new port on net4 in cloud2; instance1 (net3, cloud1) pings it through the DVR routers.
  double NewPortRound(int r) {
    std::string name = "bench" + std::to_string(r), ip = "10.0.4." + std::to_string(200 + r);
    char mac[32];
    std::snprintf(mac, sizeof mac, "fa:16:3e:be:00:%02x", r);
    if (Status st = Plug(name, mac, ip, "10.0.4.1"); !st.ok()) return Fail(st.message());
    const json& net4 = facts["networks"]["net4"];
    double ms = -1;
    {
      PingTrain train(ip);
      std::this_thread::sleep_for(std::chrono::seconds(1));  // the train runs 1 s before t0
      double t0 = Now();
      auto port = CreatePort(name, net4["id"], net4["subnet_id"], mac, ip);
      if (!port.ok()) return Fail(port.status().message());
      double created = Now();
      Bind(name, *port);
      double bound = Now();
      ms = train.FirstReplyMs(t0);
      std::cerr << "round " << r << ": t0 " << Clock(t0) << ", 201 after " << (created - t0) * 1000
                << " ms, iface-id set after " << (bound - t0) * 1000 << " ms\n";
      (void)Call("DELETE", "/v2.0/ports/" + *port);
    }
    Unplug(name);
    return ms;
  }

  // A new network over both clouds with subnet 10.0.<100+r>.0/24 attached to R1
  // (cloud1's router: instance1's gateway router, so the fewest calls that make
  // it reachable from instance1, docs/topology.md "Routing") and a port on it in
  // cloud2: network, subnet, add_router_interface, port, each a call of its own.
  double NewSubnetRound(int r) {
    std::string name = "benchsub" + std::to_string(r), net = "10.0." + std::to_string(100 + r);
    std::string ip = net + ".10", router = facts["routers"]["R1"]["id"];
    char mac[32];
    std::snprintf(mac, sizeof mac, "fa:16:3e:be:01:%02x", r);
    if (Status st = Plug(name, mac, ip, net + ".1"); !st.ok()) return Fail(st.message());
    double ms = -1;
    std::string net_id, subnet_id;
    {
      PingTrain train(ip);
      std::this_thread::sleep_for(std::chrono::seconds(1));  // the train runs 1 s before t0
      double t0 = Now();
      json nb = {{"network",
                  {{"name", name},
                   {"availability_zone_hints", {"cloud1", "cloud2"}},
                   {"provider:network_type", "vxlan"}}}};
      auto n = Call("POST", "/v2.0/networks", &nb);
      if (!n.ok() || n->status != 201) return Fail("network create failed");
      net_id = n->body["network"]["id"];
      json sb = {{"subnet",
                  {{"network_id", net_id}, {"ip_version", 4}, {"cidr", net + ".0/24"}, {"gateway_ip", net + ".1"}}}};
      auto s = Call("POST", "/v2.0/subnets", &sb);
      if (!s.ok() || s->status != 201) return Fail("subnet create failed");
      subnet_id = s->body["subnet"]["id"];
      json leg = {{"subnet_id", subnet_id}};
      auto l = Call("PUT", "/v2.0/routers/" + router + "/add_router_interface", &leg);
      if (!l.ok() || l->status != 200) return Fail("add_router_interface failed");
      double legged = Now();
      auto port = CreatePort(name, net_id, subnet_id, mac, ip);
      if (!port.ok()) return Fail(port.status().message());
      double created = Now();
      Bind(name, *port);
      double bound = Now();
      ms = train.FirstReplyMs(t0);
      std::cerr << "round " << r << ": t0 " << Clock(t0) << ", network+subnet+interface answered after "
                << (legged - t0) * 1000 << " ms, port 201 after " << (created - t0) * 1000
                << " ms, iface-id set after " << (bound - t0) * 1000 << " ms\n";
      (void)Call("DELETE", "/v2.0/ports/" + *port);
    }
    json leg = {{"subnet_id", subnet_id}};
    (void)Call("PUT", "/v2.0/routers/" + router + "/remove_router_interface", &leg);
    (void)Call("DELETE", "/v2.0/networks/" + net_id);
    Unplug(name);
    return ms;
  }

  double Fail(const std::string& why) {
    std::cerr << why << "\n";
    std::exit(1);
  }
};

}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  bool new_subnet = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--new-subnet") == 0)
      new_subnet = true;
    else
      rounds = std::atoi(argv[i]);
  }
  auto facts = lab::LoadFacts(lab::LabFactsPath());
  if (!facts.ok()) {
    std::cerr << facts.status().message() << "\n";
    return 1;
  }
  if (Status st = lab::UseOperatorTls(*facts); !st.ok()) {
    std::cerr << st.message() << "\n";
    return 1;
  }
  auto central = *Endpoint::Parse((*facts)["central"]);
  TokenSource tokens(central, lab::LabCredentials(*facts));
  Bench bench(central, tokens, *facts);
  std::vector<double> results;
  for (int r = 0; r < rounds; ++r) {
    double ms = new_subnet ? bench.NewSubnetRound(r) : bench.NewPortRound(r);
    if (ms < 0) {
      std::cout << "round " << r << ": not reachable within 6 s\n";
      continue;
    }
    if (new_subnet)
      std::cout << "round " << r << ": new subnet on R1 (cloud1) with a port in cloud2 reachable from cloud1 "
                << ms << " ms after the first API call\n";
    else
      std::cout << "round " << r << ": new port in cloud2 reachable from cloud1 (DVR, other subnet) " << ms
                << " ms after the API call\n";
    results.push_back(ms);
  }
  if (results.empty()) return 1;
  std::sort(results.begin(), results.end());
  std::printf("median %.1f ms over %zu rounds\n", results[results.size() / 2], results.size());
  return 0;
}
