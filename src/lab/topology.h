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
  std::string gateway_ip;
};

struct LabRouter {
  std::string name;
  std::string cloud;
  std::vector<std::string> networks;  // attached through their (only) subnet
};

struct LabInstance {
  std::string name;
  std::string host;
  std::string network;
  std::string ip;  // fixed IP to ask for
};

struct Topology {
  std::string name;
  LabOptions options;
  std::vector<LabCloud> clouds;
  std::vector<LabHost> hosts;
  std::vector<LabNetwork> networks;
  std::vector<LabRouter> routers;
  std::vector<LabInstance> instances;

  const LabHost* FindHost(const std::string& name) const;
  const LabNetwork* FindNetwork(const std::string& name) const;
};

// Known names: "s2". Unknown names are nullopt.
std::optional<Topology> MakeTopology(const std::string& name, const LabOptions& options);
std::vector<std::string> TopologyNames();

inline constexpr int kCentralPort = 9696;
inline constexpr char kUnderlayPrefix[] = "/24";

}  // namespace isthmus::lab
