// The scale harness's own picture of the federation it builds: networks (each
// stretched over 1-3 random clouds, one subnet), ports bound to random hosts of
// their network's clouds, and which hosts hold which network. It decides what
// the harness creates and deletes, and which hosts an event must reach.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace isthmus::bench {

struct ScaleShape {
  int clouds = 10;
  int hosts_per_cloud = 1000;
  int networks = 1000;
  int ports = 100000;
};

struct NetPlan {
  std::vector<int> clouds;  // 0-based cloud numbers
  std::string cidr;
  std::string id, subnet_id;  // central's, once created
  std::unordered_map<int, int> ports_on_host;  // host index -> ports of this network bound there
};

struct PortPlan {
  int network = 0;
  int host = 0;  // global host index
  std::string mac;
  std::string id;  // central's, once created
};

class ScaleModel {
 public:
  ScaleModel(ScaleShape shape, uint32_t seed);
  const ScaleShape& shape() const { return shape_; }
  std::string CloudName(int c) const { return "cloud" + std::to_string(c + 1); }
  std::string HostName(int h) const;
  int CloudOf(int h) const { return h / shape_.hosts_per_cloud; }
  std::string VtepIp(int h) const;
  std::vector<NetPlan>& networks() { return nets_; }
  // A new port on a random network, bound to a random host of its clouds.
  PortPlan NewPort();
  // The hosts holding the port's network (and its own host): those whose state must change.
  std::vector<int> AffectedBy(const PortPlan& p) const;
  void Bound(const PortPlan& p);    // created: count it on its host
  void Unbound(const PortPlan& p);  // deleted
  std::mt19937& rng() { return rng_; }

 private:
  ScaleShape shape_;
  std::mt19937 rng_;
  std::vector<NetPlan> nets_;
  uint32_t next_mac_ = 1;
};

}  // namespace isthmus::bench
