// The lab's topologies as data: clouds and their hosts, external networks,
// networks with the clouds they span, routers (each of its cloud, distributed
// or legacy) and instances. Read from JSON files (topology_file.h, format in
// docs/topology.md); nothing else in the lab knows what S2 looks like.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace isthmus::lab {

enum class GatewayMode { kAnycast, kPerCloud };  // requirement 5
std::string ToString(GatewayMode m);             // "anycast" | "per-cloud"
Result<GatewayMode> ParseGatewayMode(const std::string& text);

// What `lab up` may override on the command line, whatever the file says.
struct LabOptions {
  bool force_legacy = false;                // --legacy: every router centralized
  bool dvr_mac_federation = true;           // requirement 6
  std::optional<GatewayMode> gateway_mode;  // --gateway-mode: every subnet's
};

// A cloud's external network (flat, on br-ex of every host of the cloud),
// upstream of which sits the lab's "internet" namespace at `gateway`.
struct LabExternal {
  std::string name;     // "ext-net1"
  std::string cidr;     // "172.24.1.0/24"
  std::string gateway;  // "172.24.1.1"
};

struct LabCloud {
  std::string name;
  int api_port = 0;  // its controller listens on 127.0.0.1:api_port (9700 + position)
  LabExternal external;
};

enum class HostRole { kCompute, kNetwork };
std::string ToString(HostRole r);  // "compute" | "network"

struct LabHost {
  std::string name;
  std::string cloud;
  HostRole role = HostRole::kCompute;
  std::string vtep_ip;  // on the underlay: 10.255.<cloud position>.<host position>
};

struct LabNetwork {
  std::string name;
  std::vector<std::string> clouds;
  std::string cidr;
  std::string gateway_ip;  // "" = no gateway (an unrouted network)
  GatewayMode gateway_mode = GatewayMode::kAnycast;
};

struct LabRouter {
  std::string name;
  std::string cloud;
  bool distributed = true;
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
  std::string description;
  LabOptions options;
  // true: the machine only (clouds, hosts, internet); every resource,
  // external networks included, is left to the user (`lab up bare`).
  bool bare = false;
  std::vector<LabCloud> clouds;
  std::vector<LabHost> hosts;
  std::vector<LabNetwork> networks;
  std::vector<LabRouter> routers;
  std::vector<LabInstance> instances;

  const LabCloud* FindCloud(const std::string& name) const;
  const LabHost* FindHost(const std::string& name) const;
  const LabNetwork* FindNetwork(const std::string& name) const;
  const LabRouter* FindRouter(const std::string& name) const;
  // The options applied: --legacy makes every router legacy, --gateway-mode
  // sets every subnet's mode.
  void Apply(const LabOptions& o);
};

inline constexpr int kCentralPort = 9696;
inline constexpr int kCloudPortBase = 9700;  // cloud k (1-based position) listens on 9700 + k
// The agent of host k (1-based position) serves Prometheus metrics on 127.0.0.1:9800 + k.
inline constexpr int kAgentMetricsPortBase = 9800;
inline constexpr char kUnderlayPrefix[] = "/16";  // 10.255.0.0/16
// The lab's clouds declare an agent dead after this many seconds without
// contact (Neutron's default, a cloud's own, is 75).
inline constexpr int kLabAgentDownTime = 6;

// Names become interface names (at most 15 characters with the lab's
// prefixes "x-", "t1-", "ext-"), so they are short.
inline constexpr size_t kMaxCloudName = 11;
inline constexpr size_t kMaxHostName = 13;
inline constexpr size_t kMaxInstanceName = 12;

}  // namespace isthmus::lab
