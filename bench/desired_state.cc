// Control-plane benchmark (docs/requirements.md, "Targets"): time to compute
// the desired state of one host in a synthetic federation of 10 clouds, 1,000
// hosts and 100,000 ports (target: under 10 ms), and how many of a cloud's
// hosts see their state change when one port is added (target: only the hosts
// that must change). Prints figures; asserts nothing.
#include <chrono>
#include <cstdio>
#include <string>

#include "cloud/desired_state.h"

using namespace isthmus;

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

  // One more port: which of cloud1's hosts change?
  std::map<std::string, state::HostState> before;
  for (int h = 1; h <= hosts_per_cloud; ++h) before["c1-h" + std::to_string(h)] = compute("c1-h" + std::to_string(h));
  add_port(ports);
  v.Reindex();
  int changed = 0;
  for (auto& [host, s] : before) changed += !(compute(host) == s);
  std::printf("a new port changes the state of %d of cloud1's %d hosts\n", changed, hosts_per_cloud);
  return 0;
}
