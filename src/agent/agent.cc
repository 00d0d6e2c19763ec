#include "agent/agent.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "agent/agent_metrics.h"
#include "agent/conntrack_sweep.h"
#include "agent/ovs_paths.h"
#include "agent/pipeline.h"
#include "common/log.h"

namespace isthmus::agent {
namespace {

int64_t MillisecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

// A failed pass is retried after 50 ms, doubling to 2 s.
class Backoff {
 public:
  int next_ms() {
    int ms = ms_;
    ms_ = std::min(ms_ * 2, 2000);
    return ms;
  }
  void reset() { ms_ = 50; }

 private:
  int ms_ = 50;
};

// The OVS port of every router leg of the state.
std::set<std::string> LegPorts(const state::HostState& s) {
  std::set<std::string> out;
  for (const auto& r : s.routers)
    for (const auto& leg : r.interfaces) out.insert(LegPeerName(RouterLegKind(r.kind), leg.port_id));
  return out;
}

// A port vswitchd has numbered: flows may name it.
bool Plugged(const InterfaceTable& ifaces, const std::string& port) {
  auto it = ifaces.find(port);
  return it != ifaces.end() && it->second.ofport > 0;
}

}  // namespace

Agent::Agent(AgentConfig config, Runner& runner)
    : config_(std::move(config)),
      runner_(runner),
      ovs_(config_.ovs),
      ns_ovs_(config_.ovs),
      netns_(runner, config_.host_netns),
      routers_(netns_, ns_ovs_, config_.ns_prefix),
      dhcp_(netns_, ns_ovs_, config_.ns_prefix, config_.state_dir) {}

void Agent::Stop() {
  stop_ = true;
  cv_.notify_all();
}

int Agent::Run() {
  auto ep = Endpoint::Parse(config_.cloud_url);
  if (!ep.ok()) {
    LOG_ERROR(ep.status().message());
    return 2;
  }
  cloud_.emplace(*ep);
  Backoff backoff;
  auto pause = [&] {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(backoff.next_ms()), [&] { return stop_.load(); });
  };
  for (Status st = ovs_.EnsureBridges(); !st.ok() && !stop_; st = ovs_.EnsureBridges()) {
    LOG_WARN("bridges: " << st.message());
    pause();
  }
  bridges_ok_ = true;
  backoff.reset();
  while (!stop_) {
    auto host = cloud_->Register(config_.host, config_.role, config_.local_ip);
    if (host.ok()) {
      LOG_INFO("registered " << config_.host << " in cloud " << host->cloud << ", DVR MAC "
                             << host->dvr_mac);
      break;
    }
    LOG_WARN("registration: " << host.status().message());
    pause();
  }
  OvsdbMonitor monitor(
      OvsdbSocketPath(config_.ovs.db),
      [this](const InterfaceTable& t) { OnInterfaces(t); }, [this] { OnOvsBack("ovsdb-server"); });
  VswitchdWatch vswitchd(
      config_.ovs.rundir, kBrInt, [this] { OnOvsLost(); }, [this] { OnOvsBack("ovs-vswitchd"); });
  monitor.Start();
  vswitchd.Start();
  reporter_.emplace([this](int64_t revision) { return cloud_->ReportApplied(config_.host, revision); });
  std::thread watcher([this] { WatchState(); });
  std::thread namespaces([this] { NamespaceLoop(); });
  FlowLoop();
  namespaces.join();
  vswitchd.Stop();
  monitor.Stop();
  watcher.join();
  reporter_.reset();
  return 0;
}

void Agent::FlowLoop() {
  Backoff backoff;
  StatePtr s;
  InterfaceTable ifaces;
  while (WaitForWork(&Agent::flows_dirty_, &s, &ifaces)) {
    const auto started = std::chrono::steady_clock::now();
    auto complete = ReconcileFlows(*s, ifaces);
    RecordPass(complete.ok(), started);
    if (complete.ok()) {
      backoff.reset();
      if (*complete) {
        std::lock_guard<std::mutex> lock(mu_);
        flows_applied_ = s->revision;
      }
      Publish();
      continue;
    }
    LOG_WARN("revision " << s->revision << " not applied, will retry: " << complete.status().message());
    full_resync_ = true;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(backoff.next_ms()), [&] { return stop_ || wake_; });
    flows_dirty_ = true;
  }
}

void Agent::NamespaceLoop() {
  Backoff backoff;
  StatePtr s;
  InterfaceTable ifaces;
  while (WaitForWork(&Agent::ns_dirty_, &s, &ifaces)) {
    const auto started = std::chrono::steady_clock::now();
    Status st = ReconcileNamespaces(*s, ifaces);
    RecordNamespacePass(st.ok(), started);
    if (st.ok()) {
      backoff.reset();
      {
        std::lock_guard<std::mutex> lock(mu_);
        ns_applied_ = s->revision;
      }
      Publish();
      continue;
    }
    LOG_WARN("revision " << s->revision << ": namespaces not synced, will retry: " << st.message());
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(backoff.next_ms()), [&] { return stop_ || wake_; });
    ns_dirty_ = true;
  }
}

bool Agent::WaitForWork(bool Agent::*dirty, StatePtr* s, InterfaceTable* ifaces) {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return stop_ || (this->*dirty && state_ && have_ifaces_); });
  // vswitchd is restarting: every command would wait for it and time out.
  // Wait for it to answer (VswitchdWatch), but not forever: a pass is what
  // recreates a bridge someone deleted.
  if (ovs_lost_ && !stop_)
    cv_.wait_for(lock, std::chrono::seconds(10), [&] { return stop_ || !ovs_lost_; });
  if (stop_) return false;
  this->*dirty = false;
  wake_ = false;
  if (dirty == &Agent::flows_dirty_ && resync_all_) {
    resync_all_ = false;
    full_resync_ = true;
    bridges_ok_ = false;
  }
  *s = state_;
  *ifaces = ifaces_;
  return true;
}

void Agent::Publish() {
  int64_t revision;
  size_t flows;
  {
    std::lock_guard<std::mutex> lock(mu_);
    revision = std::min(flows_applied_, ns_applied_);
    flows = flows_installed_;
  }
  std::lock_guard<std::mutex> lock(status_mu_);
  WriteStatus(revision, flows);
  if (revision <= applied_revision_) return;
  applied_revision_ = revision;
  RecordRevision(revision);
  reporter_->Applied(revision);
}

void Agent::OnOvsLost() {
  std::lock_guard<std::mutex> lock(mu_);
  ovs_lost_ = true;
  resync_all_ = true;
}

void Agent::OnOvsBack(const char* what) {
  LOG_INFO(what << " is back: reinstalling bridges, ports and every flow");
  std::lock_guard<std::mutex> lock(mu_);
  ovs_lost_ = false;
  resync_all_ = true;
  flows_dirty_ = ns_dirty_ = true;
  wake_ = true;
  cv_.notify_all();
}

void Agent::WatchState() {
  int64_t revision = 0;
  int backoff_ms = 50;
  while (!stop_) {
    auto r = cloud_->WaitState(config_.host, revision, 20, applied_revision_.load());
    if (!r.ok()) {
      if (r.status().code() == Code::kNotFound)
        cloud_->Register(config_.host, config_.role, config_.local_ip);
      if (stop_) break;
      LOG_WARN("watching state: " << r.status().message());
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
      backoff_ms = std::min(backoff_ms * 2, 2000);
      continue;
    }
    backoff_ms = 50;
    if (!r->has_value()) continue;
    revision = (*r)->revision;
    auto s = std::make_shared<const state::HostState>(std::move(**r));
    std::lock_guard<std::mutex> lock(mu_);
    state_ = std::move(s);
    flows_dirty_ = ns_dirty_ = true;
    cv_.notify_all();
  }
}

void Agent::OnInterfaces(const InterfaceTable& table) {
  std::lock_guard<std::mutex> lock(mu_);
  if (have_ifaces_ && table.size() == ifaces_.size()) {
    bool same = true;
    for (const auto& [name, i] : table) {
      auto it = ifaces_.find(name);
      if (it == ifaces_.end() || it->second.ofport != i.ofport || it->second.iface_id != i.iface_id) {
        same = false;
        break;
      }
    }
    if (same) return;
  }
  ifaces_ = table;
  have_ifaces_ = true;
  flows_dirty_ = ns_dirty_ = true;
  cv_.notify_all();
}

// The ports flows may name, as the OVSDB monitor saw them. Router and gateway
// legs count once their port is there (the namespace worker plugs them); DHCP
// ports (dp-) are VIFs like instances'.
OvsPorts Agent::PortsFor(const state::HostState& s, const InterfaceTable& ifaces) const {
  OvsPorts ports;
  for (const auto& [name, i] : ifaces) {
    if (name.rfind("vx", 0) == 0 || IsRouterPort(name)) continue;
    ports.names.insert(name);
    if (!i.iface_id.empty() && i.ofport > 0) {
      ports.vif_by_iface_id[i.iface_id] = name;
      ports.ofport_by_iface_id[i.iface_id] = i.ofport;
    }
  }
  // This pass just created the tunnels (the monitor's echo may be on its way).
  for (const auto& ip : s.tunnels) ports.names.insert(TunnelPortName(ip));
  for (const auto& leg : LegPorts(s))
    if (Plugged(ifaces, leg)) ports.names.insert(leg);
  return ports;
}

Result<CompiledFlows> Agent::InstallFlows(const state::HostState& s, const OvsPorts& ports) {
  CompiledFlows flows = CompileFlows(s, ports);
  // A flow the table refused (a value outside its grammar) fails the pass whole:
  // the bridges keep their last good programming.
  for (const FlowTable* t : {&flows.br_int, &flows.br_tun})
    if (!t->refused().empty())
      return InvalidArgument(std::to_string(t->refused().size()) + " flows refused, first: " + t->refused()[0]);
  // Flows naming a port that left OVS are deleted by the number it had
  // (BridgeClient remembers it); when that is not possible the bundle fails
  // and the retry replaces the whole table.
  auto int_diff = flows.br_int.DiffFrom(installed_int_);
  auto tun_diff = flows.br_tun.DiffFrom(installed_tun_);
  flow_changes_ = int_diff.size() + tun_diff.size();
  // br-int first: it never learns, so withdrawing trust there first leaves no
  // window in which a DVR MAC could be learned (docs/architecture.md, "Installing flows").
  ISTHMUS_RETURN_IF_ERROR(ovs_.ApplyFlows(kBrInt, flows.br_int, int_diff, full_resync_));
  installed_int_ = flows.br_int;
  ISTHMUS_RETURN_IF_ERROR(ovs_.ApplyFlows(kBrTun, flows.br_tun, tun_diff, full_resync_));
  installed_tun_ = flows.br_tun;
  return flows;
}

Result<bool> Agent::ReconcileFlows(const state::HostState& s, const InterfaceTable& ifaces) {
  auto start = std::chrono::steady_clock::now();
  std::string steps;  // where the pass's time went (cumulative)
  if (!bridges_ok_) {
    ISTHMUS_RETURN_IF_ERROR(ovs_.EnsureBridges());
    bridges_ok_ = true;
    steps = "bridges " + std::to_string(MillisecondsSince(start)) + " ms, ";
  }
  std::set<std::string> existing;
  for (const auto& [name, i] : ifaces) existing.insert(name);
  std::set<std::string> remote(s.tunnels.begin(), s.tunnels.end());
  ISTHMUS_RETURN_IF_ERROR(ovs_.SyncTunnels(config_.local_ip, remote, existing));
  steps += "tunnels by " + std::to_string(MillisecondsSince(start)) + " ms, ";

  // A port that left and came back under another number since the last pass
  // (both between two passes): its flows' text is the same, so a diff would
  // leave them on the old number. Replace the tables.
  for (const auto& [name, i] : ifaces)
    if (auto was = installed_ofports_.find(name);
        i.ofport > 0 && was != installed_ofports_.end() && was->second != i.ofport) {
      LOG_INFO("port " << name << " was renumbered (" << was->second << " -> " << i.ofport
                       << "): replacing every flow");
      full_resync_ = true;
      break;
    }
  bool full = full_resync_;
  OvsPorts ports = PortsFor(s, ifaces);
  auto flows = InstallFlows(s, ports);
  ISTHMUS_RETURN_IF_ERROR(flows.status());
  full_resync_ = false;
  installed_ofports_.clear();
  for (const auto& [name, i] : ifaces)
    if (i.ofport > 0) installed_ofports_[name] = i.ofport;
  SweepConntrack(s, ports);
  std::set<std::string> legs = LegPorts(s);
  size_t waiting = std::count_if(legs.begin(), legs.end(), [&](const std::string& l) { return !Plugged(ifaces, l); });
  if (full || flow_changes_ > 0)
    LOG_INFO("revision " << s.revision << " applied in " << MillisecondsSince(start) << " ms ("
                         << (full ? "full resync: " : "") << steps << flow_changes_ << " flow changes, "
                         << flows->br_int.size() << "+" << flows->br_tun.size() << " flows"
                         << (waiting ? ", " + std::to_string(waiting) + " router legs not plugged yet" : "")
                         << ")");
  RecordFlows(kBrInt, flows->br_int.size());
  RecordFlows(kBrTun, flows->br_tun.size());
  std::lock_guard<std::mutex> lock(mu_);
  flows_installed_ = flows->br_int.size() + flows->br_tun.size();
  return waiting == 0;
}

Status Agent::ReconcileNamespaces(const state::HostState& s, const InterfaceTable& ifaces) {
  auto start = std::chrono::steady_clock::now();
  std::set<std::string> existing;
  for (const auto& [name, i] : ifaces) existing.insert(name);
  ISTHMUS_RETURN_IF_ERROR(routers_.Sync(s.routers, s.fip_gateways, existing));
  ISTHMUS_RETURN_IF_ERROR(dhcp_.Sync(s.dhcp_servers, existing));
  if (auto ms = MillisecondsSince(start); ms >= 10)
    LOG_INFO("revision " << s.revision << ": namespaces synced in " << ms << " ms");
  return Status::Ok();
}

void Agent::SweepConntrack(const state::HostState& s, const OvsPorts& ports) {
  std::map<std::string, std::string> digests;
  for (const auto& port : s.ports) {
    auto zone = ports.ofport_by_iface_id.find(port.id);
    if (!port.port_security || zone == ports.ofport_by_iface_id.end()) continue;
    std::string digest = RulesDigest(port, s);
    auto old = rule_digests_.find(port.id);
    bool changed = old != rule_digests_.end() && old->second != digest;
    digests[port.id] = std::move(digest);
    if (!changed) continue;
    std::string z = "zone=" + std::to_string(zone->second);
    auto dump = ovs_.Appctl({"dpctl/dump-conntrack", z});
    if (!dump.ok()) {
      LOG_WARN("port " << port.id << ": reading conntrack " << z << ": " << dump.status().message());
      continue;
    }
    int deleted = 0;
    for (const ConnTuple& c : ParseConntrackDump(*dump)) {
      if (ConnectionAllowed(c, port, s)) continue;
      auto flushed = ovs_.Appctl({"dpctl/flush-conntrack", z, FlushTuple(c)});
      if (flushed.ok()) ++deleted;
      else LOG_WARN("port " << port.id << ": deleting " << FlushTuple(c) << ": " << flushed.status().message());
    }
    if (deleted) LOG_INFO("port " << port.id << ": deleted " << deleted << " connections its rules no longer allow");
  }
  rule_digests_ = std::move(digests);
}

void Agent::WriteStatus(int64_t revision, size_t flows) {
  if (config_.status_file.empty()) return;
  std::string tmp = config_.status_file + ".tmp";
  {
    std::ofstream out(tmp);
    out << nlohmann::json{{"host", config_.host}, {"revision", revision}, {"flows", flows}}.dump()
        << "\n";
  }
  std::rename(tmp.c_str(), config_.status_file.c_str());
}

}  // namespace isthmus::agent
