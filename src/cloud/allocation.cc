#include "cloud/allocation.h"

#include <cstdio>

#include "common/net.h"

namespace isthmus::cloud {

Result<std::string> AllocateDvrMac(const std::string& prefix, const std::set<std::string>& used) {
  auto base = Mac::Parse(prefix + ":00:00");
  if (!base.ok()) return InvalidArgument("'" + prefix + "' is not a DVR MAC prefix (4 octets)");
  for (uint64_t i = 1; i <= 0xffff; ++i) {
    std::string mac = Mac::FromU64(base->ToU64() + i).ToString();
    if (!used.count(mac)) return mac;
  }
  return Conflict("no free DVR MAC left in prefix " + prefix);
}

Result<std::map<std::string, int>> AssignLvids(const std::set<std::string>& networks,
                                               const std::map<std::string, int>& previous) {
  std::map<std::string, int> out;
  std::set<int> taken;
  for (const auto& [net, lvid] : previous)
    if (networks.count(net)) {
      out[net] = lvid;
      taken.insert(lvid);
    }
  int next = 1;
  for (const auto& net : networks) {
    if (out.count(net)) continue;
    while (taken.count(next)) ++next;
    if (next > 4094) return Conflict("more than 4094 networks on one host");
    out[net] = next;
    taken.insert(next);
  }
  return out;
}

}  // namespace isthmus::cloud
