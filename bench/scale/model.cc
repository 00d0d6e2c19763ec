#include "bench/scale/model.h"

#include <algorithm>
#include <cstdio>

namespace isthmus::bench {

ScaleModel::ScaleModel(ScaleShape shape, uint32_t seed) : shape_(shape), rng_(seed) {
  for (int n = 0; n < shape_.networks; ++n) {
    NetPlan net;
    int span = std::min(shape_.clouds, 1 + static_cast<int>(rng_() % 3));
    std::vector<int> all(shape_.clouds);
    for (int c = 0; c < shape_.clouds; ++c) all[c] = c;
    std::shuffle(all.begin(), all.end(), rng_);
    net.clouds.assign(all.begin(), all.begin() + span);
    std::sort(net.clouds.begin(), net.clouds.end());
    // A /20 per network (4,093 ports): 10.0.0.0/8 holds 4,096 of them.
    char cidr[32];
    std::snprintf(cidr, sizeof cidr, "10.%d.%d.0/20", n / 16, (n % 16) * 16);
    net.cidr = cidr;
    nets_.push_back(std::move(net));
  }
}

std::string ScaleModel::HostName(int h) const {
  char name[32];
  std::snprintf(name, sizeof name, "c%d-h%04d", CloudOf(h) + 1, h % shape_.hosts_per_cloud);
  return name;
}

std::string ScaleModel::VtepIp(int h) const {
  int a = h / 250, b = h % 250 + 1;
  return "172." + std::to_string(16 + a / 256) + "." + std::to_string(a % 256) + "." + std::to_string(b);
}

PortPlan ScaleModel::NewPort() {
  PortPlan p;
  p.network = static_cast<int>(rng_() % nets_.size());
  const auto& clouds = nets_[p.network].clouds;
  int cloud = clouds[rng_() % clouds.size()];
  p.host = cloud * shape_.hosts_per_cloud + static_cast<int>(rng_() % shape_.hosts_per_cloud);
  uint32_t m = next_mac_++;
  char mac[18];
  std::snprintf(mac, sizeof mac, "fa:16:3e:%02x:%02x:%02x", (m >> 16) & 0xff, (m >> 8) & 0xff, m & 0xff);
  p.mac = mac;
  return p;
}

std::vector<int> ScaleModel::AffectedBy(const PortPlan& p) const {
  std::vector<int> out;
  bool own = false;
  for (const auto& [host, count] : nets_[p.network].ports_on_host)
    if (count > 0) {
      out.push_back(host);
      own = own || host == p.host;
    }
  if (!own) out.push_back(p.host);
  return out;
}

void ScaleModel::Bound(const PortPlan& p) { ++nets_[p.network].ports_on_host[p.host]; }

void ScaleModel::Unbound(const PortPlan& p) {
  auto& m = nets_[p.network].ports_on_host;
  if (--m[p.host] <= 0) m.erase(p.host);
}

}  // namespace isthmus::bench
