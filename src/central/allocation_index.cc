#include "central/allocation_index.h"

#include <algorithm>

#include "common/net.h"

namespace isthmus::central {

namespace {
const std::vector<AllocationIndex::Holder> kNoHolders;
const std::set<uint32_t> kNoIps;

// Addresses of a port in canonical form, with their subnets (unparsable ones skipped).
template <typename F>
void EachIp(const model::Port& p, F&& f) {
  for (const auto& fip : p.fixed_ips)
    if (auto ip = Ipv4::Parse(fip.ip_address); ip.ok()) f(fip.subnet_id, ip->v);
}
}  // namespace

void AllocationIndex::Hold(const std::string& subnet_id, uint32_t ip, const Holder& h) {
  auto& s = subnets_[subnet_id];
  auto& hs = s.holders[ip];
  hs.push_back(h);
  if (h.router_interface) ++s.router_ips[ip];
  if (hs.size() > 1) return;
  // Newly held: join the runs ending at ip - 1 and starting at ip + 1.
  uint32_t first = ip, last = ip;
  if (auto next = s.runs.find(ip + 1); ip != UINT32_MAX && next != s.runs.end()) {
    last = next->second;
    s.runs.erase(next);
  }
  if (auto it = s.runs.lower_bound(ip); it != s.runs.begin() && ip != 0) {
    auto prev = std::prev(it);
    if (prev->second == ip - 1) first = prev->first;
  }
  s.runs[first] = last;
}

void AllocationIndex::Release(const std::string& subnet_id, uint32_t ip, const std::string& port_id) {
  auto sit = subnets_.find(subnet_id);
  if (sit == subnets_.end()) return;
  auto& s = sit->second;
  auto hit = s.holders.find(ip);
  if (hit == s.holders.end()) return;
  auto& hs = hit->second;
  auto h = std::find_if(hs.begin(), hs.end(), [&](const Holder& x) { return x.port_id == port_id; });
  if (h == hs.end()) return;
  if (h->router_interface && --s.router_ips[ip] == 0) s.router_ips.erase(ip);
  hs.erase(h);
  if (!hs.empty()) return;
  s.holders.erase(hit);
  // No longer held: split its run.
  auto run = std::prev(s.runs.upper_bound(ip));
  uint32_t first = run->first, last = run->second;
  s.runs.erase(run);
  if (first < ip) s.runs[first] = ip - 1;
  if (ip < last) s.runs[ip + 1] = last;
  if (s.holders.empty()) subnets_.erase(sit);
}

void AllocationIndex::Update(const model::Port* before, const model::Port* after) {
  if (before) {
    if (auto m = macs_.find(before->mac_address); m != macs_.end() && m->second == before->id) macs_.erase(m);
    EachIp(*before, [&](const std::string& subnet, uint32_t ip) { Release(subnet, ip, before->id); });
  }
  if (after) {
    macs_[after->mac_address] = after->id;
    Holder h{after->id, after->cloud, after->IsRouterInterface()};
    EachIp(*after, [&](const std::string& subnet, uint32_t ip) { Hold(subnet, ip, h); });
  }
}

void AllocationIndex::Merge(const std::map<std::string, model::Port>& ports,
                            const std::map<std::string, std::optional<model::Port>>& writes) {
  for (const auto& [key, v] : writes) {
    auto it = ports.find(key);
    Update(it == ports.end() ? nullptr : &it->second, v ? &*v : nullptr);
  }
}

void AllocationIndex::Rebuild(const std::map<std::string, model::Port>& ports) {
  macs_.clear();
  subnets_.clear();
  for (const auto& [id, p] : ports) Update(nullptr, &p);
}

const std::string* AllocationIndex::MacHolder(const std::string& mac) const {
  auto it = macs_.find(mac);
  return it == macs_.end() ? nullptr : &it->second;
}

const std::vector<AllocationIndex::Holder>& AllocationIndex::Holders(const std::string& subnet_id,
                                                                     uint32_t ip) const {
  auto s = subnets_.find(subnet_id);
  if (s == subnets_.end()) return kNoHolders;
  auto h = s->second.holders.find(ip);
  return h == s->second.holders.end() ? kNoHolders : h->second;
}

std::optional<uint32_t> AllocationIndex::FirstFree(const std::string& subnet_id, uint32_t from,
                                                   uint32_t to) const {
  uint64_t x = from;
  if (auto s = subnets_.find(subnet_id); s != subnets_.end()) {
    const auto& runs = s->second.runs;
    if (auto it = runs.upper_bound(from); it != runs.begin() && std::prev(it)->second >= from)
      x = uint64_t{std::prev(it)->second} + 1;  // runs are maximal: the address after one is free
  }
  if (x > to) return std::nullopt;
  return static_cast<uint32_t>(x);
}

const std::set<uint32_t>& AllocationIndex::RouterIps(const std::string& subnet_id) const {
  // Kept as counts; the set view is built on demand (few addresses).
  static thread_local std::set<uint32_t> view;
  auto s = subnets_.find(subnet_id);
  if (s == subnets_.end() || s->second.router_ips.empty()) return kNoIps;
  view.clear();
  for (const auto& [ip, n] : s->second.router_ips) view.insert(ip);
  return view;
}

bool AllocationIndex::operator==(const AllocationIndex& o) const {
  if (macs_ != o.macs_ || subnets_.size() != o.subnets_.size()) return false;
  for (const auto& [id, s] : subnets_) {
    auto it = o.subnets_.find(id);
    if (it == o.subnets_.end() || s.runs != it->second.runs || s.router_ips != it->second.router_ips ||
        s.holders.size() != it->second.holders.size())
      return false;
    for (const auto& [ip, hs] : s.holders) {
      auto oh = it->second.holders.find(ip);
      if (oh == it->second.holders.end() || oh->second.size() != hs.size()) return false;
      for (const auto& h : hs)
        if (std::none_of(oh->second.begin(), oh->second.end(), [&](const Holder& x) {
              return x.port_id == h.port_id && x.cloud == h.cloud && x.router_interface == h.router_interface;
            }))
          return false;
    }
  }
  return true;
}

// SubnetIpsInUse

void SubnetIpsInUse::Count(const model::Port& p, int delta) {
  if (p.IsRouterInterface() && !cloud_.empty() && p.cloud != cloud_) return;
  EachIp(p, [&](const std::string& subnet, uint32_t ip) {
    if (subnet == subnet_) delta_[ip] += delta;
  });
}

int SubnetIpsInUse::BaseCount(uint32_t ip) const {
  int n = 0;
  for (const auto& h : index_.Holders(subnet_, ip))
    if (!(h.router_interface && !cloud_.empty() && h.cloud != cloud_)) ++n;
  return n;
}

bool SubnetIpsInUse::Held(uint32_t ip) const {
  auto d = delta_.find(ip);
  return BaseCount(ip) + (d == delta_.end() ? 0 : d->second) > 0;
}

std::optional<uint32_t> SubnetIpsInUse::FirstFreeIn(uint32_t from, uint32_t to) const {
  std::optional<uint32_t> best;
  // Free in the index and not taken by the change: skips at most one address per taken one.
  for (uint64_t x = from; x <= to;) {
    auto f = index_.FirstFree(subnet_, static_cast<uint32_t>(x), to);
    if (!f) break;
    if (!Held(*f)) {
      best = *f;
      break;
    }
    x = uint64_t{*f} + 1;
  }
  // Held in the index but not as the change sees it: released by the change,
  // or (with a cloud) an anycast gateway of other clouds.
  auto consider = [&](uint32_t ip) {
    if (ip >= from && ip <= to && (!best || ip < *best) && !Held(ip)) best = ip;
  };
  for (const auto& [ip, d] : delta_)
    if (d < 0) consider(ip);
  if (!cloud_.empty())
    for (uint32_t ip : index_.RouterIps(subnet_)) consider(ip);
  return best;
}

Result<std::string> SubnetIpsInUse::NextFree(const std::vector<model::AllocationPool>& pools,
                                             const std::string& network_name) const {
  for (const auto& p : pools) {
    auto s = Ipv4::Parse(p.start), e = Ipv4::Parse(p.end);
    if (!s.ok() || !e.ok() || s->v > e->v) continue;
    if (auto f = FirstFreeIn(s->v, e->v)) return Ipv4{*f}.ToString();
  }
  return Conflict("No more IP addresses available on network " + network_name);
}

}  // namespace isthmus::central
