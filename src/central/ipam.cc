#include "central/ipam.h"

namespace isthmus::central {

std::string DefaultGateway(const Cidr& cidr) {
  if (cidr.prefix_len >= 31) return "";
  return Ipv4{cidr.network.v + 1}.ToString();
}

std::vector<model::AllocationPool> DefaultPools(const Cidr& cidr, const std::string& gateway) {
  if (cidr.prefix_len >= 31) return {{cidr.First().ToString(), cidr.Last().ToString()}};
  uint32_t first = cidr.network.v + 1, last = cidr.Broadcast().v - 1;
  auto gw = Ipv4::Parse(gateway);
  std::vector<model::AllocationPool> pools;
  if (gw.ok() && gw->v >= first && gw->v <= last) {
    if (gw->v > first) pools.push_back({Ipv4{first}.ToString(), Ipv4{gw->v - 1}.ToString()});
    if (gw->v < last) pools.push_back({Ipv4{gw->v + 1}.ToString(), Ipv4{last}.ToString()});
  } else {
    pools.push_back({Ipv4{first}.ToString(), Ipv4{last}.ToString()});
  }
  return pools;
}

Status ValidatePools(const Cidr& cidr, const std::string& gateway,
                     const std::vector<model::AllocationPool>& pools) {
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  auto gw = Ipv4::Parse(gateway);
  for (const auto& p : pools) {
    auto s = Ipv4::Parse(p.start), e = Ipv4::Parse(p.end);
    if (!s.ok()) return s.status();
    if (!e.ok()) return e.status();
    if (!cidr.Contains(*s) || !cidr.Contains(*e))
      return InvalidArgument("allocation pool " + p.start + "-" + p.end + " is not inside " +
                             cidr.ToString());
    if (s->v > e->v) return InvalidArgument("allocation pool " + p.start + "-" + p.end + " ends before it starts");
    if (gw.ok() && gw->v >= s->v && gw->v <= e->v)
      return Conflict("gateway " + gateway + " is inside allocation pool " + p.start + "-" + p.end);
    for (const auto& [a, b] : ranges)
      if (s->v <= b && a <= e->v)
        return InvalidArgument("allocation pools overlap at " + p.start + "-" + p.end);
    ranges.push_back({s->v, e->v});
  }
  return Status::Ok();
}

Result<std::string> NextFreeIp(const std::vector<model::AllocationPool>& pools,
                               const std::set<uint32_t>& used, const std::string& network_name) {
  for (const auto& p : pools) {
    auto s = Ipv4::Parse(p.start), e = Ipv4::Parse(p.end);
    if (!s.ok() || !e.ok()) continue;
    for (uint64_t v = s->v; v <= e->v; ++v)
      if (!used.count(static_cast<uint32_t>(v))) return Ipv4{static_cast<uint32_t>(v)}.ToString();
  }
  return Conflict("No more IP addresses available on network " + network_name);
}

}  // namespace isthmus::central
