// The federation side of clouds and hosts: registration (a cloud index and
// DVR MAC prefix each), removal, host reports. docs/architecture.md, "Central API".
#include <algorithm>
#include <cstdio>
#include <set>

#include "central/federation.h"
#include "common/log.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

Result<model::Cloud> Federation::CreateCloud(const CloudCreate& req) {
  ISTHMUS_FRESH(CreateCloud(req));
  const std::string& name = req.name;
  std::lock_guard<std::mutex> lock(mu_);
  if (clouds_.count(name)) return Conflict("Cloud " + name + " already exists");
  std::set<int> used;
  for (const auto& [n, c] : clouds_) used.insert(c.index);
  int index = 1;
  while (used.count(index)) ++index;
  if (index > 255) return Conflict("No free cloud index: a federation holds at most 255 clouds");
  char prefix[16];
  std::snprintf(prefix, sizeof prefix, "fa:16:3f:%02x", index);
  model::Cloud cloud{name, req.endpoint, index, prefix};
  Change c;
  Put(c, cloud);  // every cloud learns it, the new one included
  // The new cloud learns the federation so far (what it receives of every-cloud kinds).
  for (const auto& [n, other] : clouds_) Emit(c, Kind::kCloud, "upsert", n, other, {name});
  for (const auto& [n, h] : hosts_) Emit(c, Kind::kHost, "upsert", n, h, {name});
  for (const auto& [id, g] : store_.All<model::SecurityGroup>()) Emit(c, Kind::kSecurityGroup, "upsert", id, g, {name});
  for (const auto& [id, r] : store_.All<model::SecurityGroupRule>())
    Emit(c, Kind::kSecurityGroupRule, "upsert", id, r, {name});
  acked_[name] = 0;  // before Apply: readers see the staged cloud with its counter
  if (Status st = Apply(c); !st.ok()) {
    acked_.erase(name);
    return st;
  }
  LOG_INFO("cloud " << name << " at " << cloud.endpoint << ", DVR MAC prefix " << prefix);
  return cloud;
}

std::vector<model::Cloud> Federation::ListClouds() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<model::Cloud> out;
  for (const auto& [n, c] : clouds_) out.push_back(c);
  return out;
}

Result<model::Cloud> Federation::GetCloud(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = clouds_.find(name);
  if (it == clouds_.end()) return NotFound("Cloud " + name + " could not be found");
  return it->second;
}

Status Federation::DeleteCloud(const std::string& name) {
  ISTHMUS_FRESH(DeleteCloud(name));
  std::lock_guard<std::mutex> lock(mu_);
  if (!clouds_.count(name)) return NotFound("Cloud " + name + " could not be found");
  if (std::string left = CloudHoldings(name); !left.empty())
    return Conflict("Cloud " + name + " still holds " + left);
  Change c;
  Drop<model::Cloud>(c, name);  // with its pending jobs; every other cloud learns it
  ISTHMUS_RETURN_IF_ERROR(Apply(c));
  acked_.erase(name);
  return Status::Ok();
}

Result<model::Host> Federation::PutHost(const std::string& cloud, const std::string& name, const HostReport& report) {
  ISTHMUS_FRESH(PutHost(cloud, name, report));
  const std::string& role = report.role;
  const std::string& vtep = report.vtep_ip;
  std::lock_guard<std::mutex> lock(mu_);
  auto c = clouds_.find(cloud);
  if (c == clouds_.end()) return NotFound("Cloud " + cloud + " could not be found");
  std::string dvr_mac = report.dvr_mac.ToString();
  if (dvr_mac.rfind(c->second.dvr_mac_prefix + ":", 0) != 0)
    return InvalidArgument("DVR MAC " + dvr_mac + " is outside cloud " + cloud + "'s prefix " +
                           c->second.dvr_mac_prefix);
  for (const auto& [n, h] : hosts_) {
    if (n != name && h.dvr_mac == dvr_mac)
      return Conflict("DVR MAC " + dvr_mac + " is already used by host " + n);
  }
  auto existing = hosts_.find(name);
  if (existing != hosts_.end() && existing->second.cloud != cloud)
    return Conflict("Host " + name + " belongs to cloud " + existing->second.cloud);
  model::Host host{name, cloud, role, vtep, dvr_mac};
  if (existing != hosts_.end() && existing->second.role == role &&
      existing->second.vtep_ip == vtep && existing->second.dvr_mac == dvr_mac)
    return host;  // unchanged: nothing to push
  Change ch;
  Put(ch, host);
  ISTHMUS_RETURN_IF_ERROR(Apply(ch));
  return host;
}

std::vector<model::Host> Federation::ListHosts() {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<model::Host> out;
  for (const auto& [n, h] : hosts_) out.push_back(h);
  return out;
}

std::string Federation::CloudHoldings(const std::string& name) const {
  std::vector<std::string> left;
  for (const auto& [id, n] : networks_)
    if (std::find(n.clouds.begin(), n.clouds.end(), name) != n.clouds.end()) left.push_back("network " + id);
  for (const auto& [id, r] : routers_)
    if (r.cloud == name) left.push_back("router " + id);
  for (const auto& [id, f] : floatingips_)
    if (f.cloud == name) left.push_back("floating IP " + id);
  for (const auto& [n, h] : hosts_)
    if (h.cloud == name) left.push_back("host " + n);
  std::string out;
  const size_t shown = std::min<size_t>(left.size(), 10);
  for (size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + left[i];
  if (left.size() > shown) out += " and " + std::to_string(left.size() - shown) + " more";
  return out;
}

}  // namespace isthmus::central
