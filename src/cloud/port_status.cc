#include "cloud/port_status.h"

#include <algorithm>

#include "model/resources.h"

namespace isthmus::cloud {

using nlohmann::json;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

namespace {
constexpr size_t kMaxHosts = 2000;  // per batch (central takes bodies up to 1 MiB)
}  // namespace

std::set<std::string> WiredPorts(const state::HostState& s) {
  std::set<std::string> out;
  for (const auto& p : s.ports) out.insert(p.id);
  for (const auto& r : s.routers) {
    for (const auto& leg : r.interfaces) out.insert(leg.port_id);
    if (!r.gateway.port_id.empty()) out.insert(r.gateway.port_id);
  }
  for (const auto& g : s.fip_gateways) out.insert(g.port_id);
  for (const auto& d : s.dhcp_servers) out.insert(d.port_id);
  out.erase("");
  return out;
}

StatusClock StatusClock::Now() {
  return {std::chrono::steady_clock::now(),
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
              .count()};
}

PortStatusTracker::PortStatusTracker(std::string cloud, StatusOptions options, StatusClock start)
    : cloud_(std::move(cloud)), options_(options), start_(start) {}

milliseconds PortStatusTracker::heartbeat_interval() const {
  return std::min(milliseconds(30000), options_.agent_down_time / 3);
}

int PortStatusTracker::max_wait_seconds() const {
  return std::max<int>(1, static_cast<int>(options_.agent_down_time.count() / 4000));
}

void PortStatusTracker::AddHost(const std::string& host) { hosts_.try_emplace(host); }

void PortStatusTracker::MarkPorts(const Host& h) {
  for (const auto& [port, since] : h.wired) dirty_.insert(port);
}

// Contact: the host is alive from now (its ports change when it was not).
void PortStatusTracker::Touch(Host& h, const std::string& name, StatusClock now) {
  (void)name;
  h.last_contact = now.steady;
  h.contact_unix = now.unix_seconds;
  if (h.liveness != Liveness::kAlive) {
    h.liveness = Liveness::kAlive;
    MarkPorts(h);
  }
}

void PortStatusTracker::Started(const std::string& host, StatusClock now) {
  Host& h = hosts_[host];
  h.started_unix = now.unix_seconds;
  h.applied.reset();  // a new agent process: nothing is applied until it says so
  MarkPorts(h);
  Touch(h, host, now);
}

void PortStatusTracker::Contact(const std::string& host, std::optional<int64_t> applied, StatusClock now) {
  Host& h = hosts_[host];
  if (applied && h.applied != applied) {
    h.applied = applied;
    MarkPorts(h);
  }
  Touch(h, host, now);
}

void PortStatusTracker::SetWired(const std::string& host, const std::set<std::string>& ports, int64_t revision) {
  Host& h = hosts_[host];
  for (auto it = h.wired.begin(); it != h.wired.end();) {
    if (ports.count(it->first)) {
      ++it;
      continue;
    }
    dirty_.insert(it->first);
    auto by = wired_by_.find(it->first);
    if (by != wired_by_.end() && (by->second.erase(host), by->second.empty())) wired_by_.erase(by);
    it = h.wired.erase(it);
  }
  for (const auto& port : ports)
    if (h.wired.emplace(port, revision).second) {
      wired_by_[port].insert(host);
      dirty_.insert(port);
    }
}

void PortStatusTracker::SetWired(const std::string& host, const std::string& port, bool wired, int64_t revision) {
  Host& h = hosts_[host];
  if (wired) {
    if (h.wired.emplace(port, revision).second) wired_by_[port].insert(host), dirty_.insert(port);
    return;
  }
  if (!h.wired.erase(port)) return;
  dirty_.insert(port);
  auto by = wired_by_.find(port);
  if (by != wired_by_.end() && (by->second.erase(host), by->second.empty())) wired_by_.erase(by);
}

void PortStatusTracker::SetPort(const std::string& id, const json* body) {
  dirty_.insert(id);
  if (!body || !body->is_object() || body->value("cloud", "") != cloud_ ||
      body->value("device_owner", "") == model::kOwnerFloatingIp) {
    owned_.erase(id);
    return;
  }
  owned_[id].always_active = body->value("device_owner", "") == model::kOwnerRouterInterfaceDistributed;
}

void PortStatusTracker::Tick(StatusClock now) {
  for (auto& [name, h] : hosts_) {
    auto since = h.liveness == Liveness::kUnknown ? start_.steady : h.last_contact;
    if (h.liveness == Liveness::kDead || now.steady - since < options_.agent_down_time) continue;
    h.liveness = Liveness::kDead;
    MarkPorts(h);
  }
}

std::optional<std::pair<std::string, std::string>> PortStatusTracker::Evaluate(const std::string& port) {
  const Owned& o = owned_.at(port);
  if (o.always_active) return std::make_pair(std::string("ACTIVE"), std::string());
  auto by = wired_by_.find(port);
  std::string wiring_host;
  if (by != wired_by_.end())
    for (const auto& name : by->second) {
      const Host& h = hosts_.at(name);
      if (h.liveness == Liveness::kUnknown) return std::nullopt;  // decided once it is known
      if (wiring_host.empty()) wiring_host = name;
      if (h.liveness == Liveness::kAlive && h.applied && *h.applied >= h.wired.at(port))
        return std::make_pair(std::string("ACTIVE"), name);
    }
  return std::make_pair(std::string("DOWN"), wiring_host);
}

void PortStatusTracker::Flush() {
  for (auto it = dirty_.begin(); it != dirty_.end();) {
    const std::string& port = *it;
    if (!owned_.count(port)) {  // gone, or no longer ours: central drops or takes it from elsewhere
      decided_.erase(port);
      pending_.erase(port);
      it = dirty_.erase(it);
      continue;
    }
    auto status = Evaluate(port);
    if (!status) {
      ++it;
      continue;
    }
    auto d = decided_.find(port);
    if (d == decided_.end() || d->second != *status) {
      decided_[port] = *status;
      pending_[port] = *status;
    }
    it = dirty_.erase(it);
  }
}

std::optional<StatusReport> PortStatusTracker::TakeReport(StatusClock now, size_t max_ports) {
  Tick(now);
  Flush();
  StatusReport r;
  json hosts = json::array(), ports = json::array();
  // When one host's heartbeat is due, every host past half its interval goes
  // along: heartbeats travel in rounds, one call per interval, not one per host.
  bool round = false;
  for (const auto& [name, h] : hosts_)
    round = round || (h.liveness == Liveness::kAlive && h.alive_sent == true &&
                      now.steady - h.heartbeat_sent >= heartbeat_interval());
  for (const auto& [name, h] : hosts_) {
    if (h.liveness == Liveness::kUnknown || r.hosts.size() >= kMaxHosts) continue;
    bool alive = h.liveness == Liveness::kAlive;
    bool due = h.alive_sent != alive || (alive && round && now.steady - h.heartbeat_sent >= heartbeat_interval() / 2);
    if (!due) continue;
    json entry = {{"host", name}, {"alive", alive}, {"heartbeat_timestamp", h.contact_unix}};
    if (h.started_unix) entry["started_at"] = h.started_unix;
    hosts.push_back(std::move(entry));
    r.hosts[name] = alive;
  }
  for (const auto& [id, status] : pending_) {
    if (r.ports.size() >= max_ports) break;
    ports.push_back({{"id", id}, {"status", status.first}, {"host", status.second}});
    r.ports[id] = status;
  }
  if (r.hosts.empty() && r.ports.empty()) return std::nullopt;
  int64_t down_s = std::max<int64_t>(1, duration_cast<std::chrono::seconds>(options_.agent_down_time).count());
  r.body = {{"status", {{"agent_down_time", down_s}, {"hosts", hosts}, {"ports", ports}}}};
  return r;
}

void PortStatusTracker::Acknowledge(const StatusReport& report, StatusClock now) {
  for (const auto& [id, status] : report.ports) {
    auto it = pending_.find(id);
    if (it != pending_.end() && it->second == status) pending_.erase(it);
  }
  for (const auto& [name, alive] : report.hosts) {
    auto it = hosts_.find(name);
    if (it == hosts_.end()) continue;
    it->second.alive_sent = alive;
    it->second.heartbeat_sent = now.steady;
  }
}

std::string PortStatusTracker::Status(const std::string& port) {
  Flush();
  auto d = decided_.find(port);
  return d == decided_.end() ? "" : d->second.first;
}

std::optional<bool> PortStatusTracker::Alive(const std::string& host) const {
  auto it = hosts_.find(host);
  if (it == hosts_.end() || it->second.liveness == Liveness::kUnknown) return std::nullopt;
  return it->second.liveness == Liveness::kAlive;
}

}  // namespace isthmus::cloud
