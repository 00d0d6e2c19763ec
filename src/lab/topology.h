// The lab's topologies as data: clouds, hosts (with their underlay VTEP
// addresses), networks, routers and instances. `lab up <name>` builds one
// through the central API; nothing else in the lab knows what S2 looks like.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace isthmus::lab {

struct LabOptions {
  bool legacy = false;              // legacy routers on a network node per cloud
  bool dvr_mac_federation = true;   // DESIGN requirement 6
  std::string gateway_mode = "anycast";  // or "per-cloud" (DESIGN requirement 5)
};

struct LabCloud {
  std::string name;
  int api_port = 0;  // its controller listens on 127.0.0.1:api_port
  // Its external network (flat, on br-ex of every host of the cloud), upstream
  // of which sits the lab's "internet" namespace at gateway_ip.
  std::string external_network;  // "ext-net1"
  std::string external_cidr;     // "172.24.1.0/24"
  std::string external_gateway;  // "172.24.1.1"
};

struct LabHost {
  std::string name;
  std::string cloud;
  std::string role;     // compute | network
  std::string vtep_ip;  // on the underlay 10.255.0.0/24
};

struct LabNetwork {
  std::string name;
  std::vector<std::string> clouds;
  std::string cidr;
  std::string gateway_ip;  // "" = no gateway (an unrouted network)
};

struct LabRouter {
  std::string name;
  std::string cloud;
  std::vector<std::string> networks;  // attached through their (only) subnet
  bool external_gateway = true;       // gateway on its cloud's external network, SNAT on
};

struct LabNic {
  std::string network;
  std::string ip;  // fixed IP to ask for ("" = any); the instance learns it by DHCP
};

struct LabInstance {
  std::string name;
  std::string host;
  std::vector<LabNic> nics;  // eth0, eth1, ...
  bool floating_ip = false;  // one on its cloud's external network, on eth0's address
  int matrix_nic = 0;        // the NIC whose address the east-west matrix pings
};

// The lab's internet: one namespace upstream of every cloud's external network,
// serving HTTP on kInternetServiceIp (it answers with the caller's address).
inline constexpr char kInternetNamespace[] = "isth-internet";
inline constexpr char kInternetServiceIp[] = "198.51.100.10";
inline constexpr int kInstanceServicePort = 8080;  // every instance serves HTTP there

struct Topology {
  std::string name;
  LabOptions options;
  // false: the machine only (clouds, hosts, internet); every resource,
  // external networks included, is left to the user (`lab up bare`).
  bool external_networks = true;
  std::vector<LabCloud> clouds;
  std::vector<LabHost> hosts;
  std::vector<LabNetwork> networks;
  std::vector<LabRouter> routers;
  std::vector<LabInstance> instances;

  const LabHost* FindHost(const std::string& name) const;
  const LabNetwork* FindNetwork(const std::string& name) const;
};

// Known names: "s1", "s2", "bare". Unknown names are nullopt.
std::optional<Topology> MakeTopology(const std::string& name, const LabOptions& options);
std::vector<std::string> TopologyNames();

inline constexpr int kCentralPort = 9696;
inline constexpr char kUnderlayPrefix[] = "/24";

}  // namespace isthmus::lab
