// Control-plane benchmark (docs/requirements.md, "Targets"): time to compute
// the desired state of one host in a synthetic federation of 10 clouds, 1,000
// hosts and 100,000 ports (target: under 10 ms), and how many of a cloud's
// hosts see their state change when one port is added (target: only the hosts
// that must change); then the same federation held by cloud1's controller
// (its SQLite DB in /tmp, cloud1's 100 hosts registered): the time one event
// (a new port) takes end to end, and how many hosts it wakes. Prints figures;
// asserts nothing. Arguments: [ports [events]].
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "cloud/controller.h"
#include "cloud/desired_state.h"

using namespace isthmus;

namespace {

using nlohmann::json;
double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// cloud1's controller holding the whole view `v`: the cost of one event.
template <typename AddPort>
void ControllerEvents(cloud::FederationView& v, int hosts, int events, AddPort add_port, int next_port) {
  std::string path = "/tmp/bench_desired_state_" + std::to_string(getpid()) + ".db";
  auto created = cloud::Controller::Create("cloud1", path, {});
  if (!created.ok()) return (void)std::printf("controller: %s\n", created.status().message().c_str());
  auto& c = **created;
  int64_t seq = 0;
  json clouds = json::array();
  for (const auto& [name, cl] : v.clouds)
    clouds.push_back({{"seq", ++seq}, {"kind", "cloud"}, {"op", "upsert"}, {"id", name}, {"body", cl}});
  (void)c.ApplyEvents({{"events", clouds}});
  for (int h = 1; h <= hosts; ++h) {
    const auto& host = v.hosts["c1-h" + std::to_string(h)];
    (void)c.RegisterHost({{"host", {{"name", host.name}, {"role", host.role}, {"vtep_ip", host.vtep_ip}}}});
  }
  json res;
  for (const auto& [id, x] : v.clouds) res["cloud"][id] = x;
  for (const auto& [id, x] : v.hosts) res["host"][id] = x;
  for (const auto& [id, x] : v.networks) res["network"][id] = x;
  for (const auto& [id, x] : v.subnets) res["subnet"][id] = x;
  for (const auto& [id, x] : v.ports) res["port"][id] = x;
  auto t0 = std::chrono::steady_clock::now();
  auto applied = c.ApplyEvents({{"events", {{{"seq", ++seq}, {"kind", "snapshot"}, {"op", "replace"}, {"id", "cloud1"},
                                              {"body", {{"resources", res}}}}}}});
  res = nullptr;
  if (!applied.ok()) return (void)std::printf("snapshot: %s\n", applied.status().message().c_str());
  std::printf("controller: a snapshot of %zu ports applied in %.0f ms\n", v.ports.size(), Since(t0));
  auto revisions = [&] {
    std::map<std::string, int64_t> r;
    json dump = c.Dump();
    for (const auto& [name, h] : dump["hosts"].items()) r[name] = h["revision"];
    return r;
  };
  auto before = revisions();
  t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < events; ++i) {
    add_port(next_port + i);
    const auto& p = v.ports["port" + std::to_string(next_port + i)];
    json e = {{"seq", ++seq}, {"kind", "port"}, {"op", "upsert"}, {"id", p.id}, {"body", p}};
    if (auto a = c.ApplyEvents({{"events", {e}}}); !a.ok())
      return (void)std::printf("event: %s\n", a.status().message().c_str());
  }
  double ms = Since(t0) / events;
  int woken = 0;
  for (const auto& [name, rev] : revisions()) woken += rev != before[name];
  std::printf("controller: one event (a new port) %.2f ms end to end, SQLite commit included (%d events); "
              "%d of cloud1's %d hosts woken over them\n", ms, events, woken, hosts);
  unlink(path.c_str());
  unlink((path + "-wal").c_str());
  unlink((path + "-shm").c_str());
}

}  // namespace

int main(int argc, char** argv) {
  const int clouds = 10, hosts_per_cloud = 100, networks = 1000;
  const int ports = argc > 1 ? std::atoi(argv[1]) : 100000;
  cloud::FederationView v;
  v.cloud = "cloud1";
  for (int c = 1; c <= clouds; ++c) {
    std::string name = "cloud" + std::to_string(c);
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "fa:16:3f:%02x", c);
    v.clouds[name] = {name, "http://127.0.0.1:1", c, prefix};
    for (int h = 1; h <= hosts_per_cloud; ++h) {
      std::string host = "c" + std::to_string(c) + "-h" + std::to_string(h);
      char mac[24], ip[24];
      std::snprintf(mac, sizeof mac, "%s:00:%02x", prefix, h);
      std::snprintf(ip, sizeof ip, "10.%d.%d.%d", 200 + c / 256, c % 256, h);
      v.hosts[host] = {host, name, "compute", ip, mac};
    }
  }
  // Each network stretched over two neighbouring clouds, one /24 each.
  for (int n = 0; n < networks; ++n) {
    std::string id = "net" + std::to_string(n);
    int c = n % clouds + 1;
    v.networks[id] = {id, id, "p", {"cloud" + std::to_string(c), "cloud" + std::to_string(c % clouds + 1)},
                      "vxlan", 1000 + n};
    char cidr[32];
    std::snprintf(cidr, sizeof cidr, "10.%d.%d.0/24", n / 256, n % 256);
    v.subnets["sub" + std::to_string(n)] = {"sub" + std::to_string(n), "", "p", id, cidr, "", "anycast", {}};
  }
  auto add_port = [&](int p) {
    int n = p % networks;
    const auto& net = v.networks["net" + std::to_string(n)];
    const std::string& cloud = net.clouds[(p / networks) % 2];
    int c = std::stoi(cloud.substr(5));
    std::string host = "c" + std::to_string(c) + "-h" + std::to_string(p % hosts_per_cloud + 1);
    model::Port port;
    port.id = "port" + std::to_string(p);
    port.network_id = net.id;
    char ip[32], mac[24];
    std::snprintf(ip, sizeof ip, "10.%d.%d.%d", n / 256, n % 256, 2 + (p / networks) % 250);
    std::snprintf(mac, sizeof mac, "fa:16:3e:%02x:%02x:%02x", (p >> 16) & 0xff, (p >> 8) & 0xff, p & 0xff);
    port.fixed_ips = {{"sub" + std::to_string(n), ip}};
    port.mac_address = mac;
    port.host = host;
    port.cloud = cloud;
    port.device_owner = model::kOwnerCompute;
    v.ports[port.id] = port;
  };
  for (int p = 0; p < ports; ++p) add_port(p);
  v.Reindex();

  auto compute = [&](const std::string& host) {
    std::map<std::string, int> lvids;
    int next = 1;
    for (const auto& n : cloud::HostNetworks(v, host)) lvids[n] = next++;
    return cloud::ComputeHostState(v, host, lvids, {});
  };
  auto t0 = std::chrono::steady_clock::now();
  const int reps = 5;
  size_t size = 0;
  for (int i = 0; i < reps; ++i) size += compute("c1-h1").remote_ports.size();
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / reps;
  std::printf("federation: %d clouds, %d hosts, %d networks, %zu ports\n", clouds,
              clouds * hosts_per_cloud, networks, v.ports.size());
  std::printf("desired state of one host: %.1f ms (target < 10 ms), %zu remote ports\n", ms,
              size / reps);
  {
    // As a recompute does: one StateContext shared by the hosts it computes.
    auto t1 = std::chrono::steady_clock::now();
    cloud::StateContext ctx(v);
    double context_ms = Since(t1);
    t1 = std::chrono::steady_clock::now();
    size_t entries = 0;
    for (int h = 1; h <= hosts_per_cloud; ++h) {
      std::string host = "c1-h" + std::to_string(h);
      std::map<std::string, int> lvids;
      int next = 1;
      for (const auto& n : cloud::HostNetworks(ctx, host)) lvids[n] = next++;
      entries += cloud::ComputeHostState(ctx, host, lvids).remote_ports.size();
    }
    std::printf("shared context: built in %.1f ms, then %.2f ms per host over cloud1's %d hosts (%zu remote ports each)\n",
                context_ms, Since(t1) / hosts_per_cloud, hosts_per_cloud, entries / hosts_per_cloud);
  }

  // One more port: which of cloud1's hosts change?
  std::map<std::string, state::HostState> before;
  for (int h = 1; h <= hosts_per_cloud; ++h) before["c1-h" + std::to_string(h)] = compute("c1-h" + std::to_string(h));
  add_port(ports);
  v.Reindex();
  int changed = 0;
  for (auto& [host, s] : before) changed += !(compute(host) == s);
  std::printf("a new port changes the state of %d of cloud1's %d hosts\n", changed, hosts_per_cloud);
  ControllerEvents(v, hosts_per_cloud, argc > 2 ? std::atoi(argv[2]) : 20, add_port, ports + 1);
  return 0;
}
