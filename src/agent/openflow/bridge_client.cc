#include "agent/openflow/bridge_client.h"

#include <set>

#include "agent/openflow/flow_parser.h"
#include "agent/ovs_paths.h"

namespace isthmus::agent::openflow {

BridgeClient::BridgeClient(std::string rundir, std::string bridge, uint64_t cookie,
                           std::chrono::milliseconds timeout)
    : socket_path_(OvsRundir(rundir) + "/" + bridge + ".mgmt"),
      cookie_(cookie),
      timeout_(timeout) {}

Status BridgeClient::Replace(const std::string& flows) {
  std::vector<FlowMod> mods;
  std::vector<std::string> names;
  FlowMod wipe;
  wipe.command = kDelete;
  wipe.table = kTableAll;
  wipe.cookie = cookie_;
  wipe.cookie_mask = ~uint64_t(0);
  mods.push_back(wipe);
  names.push_back("delete cookie=" + std::to_string(cookie_) + "/-1");
  size_t start = 0;
  while (start < flows.size()) {
    size_t end = flows.find('\n', start);
    if (end == std::string::npos) end = flows.size();
    std::string line = flows.substr(start, end - start);
    start = end + 1;
    if (line.empty()) continue;
    auto mod = ParseFlow(line, kAdd);
    if (!mod.ok()) return mod.status();
    mods.push_back(std::move(*mod));
    names.push_back(line);
  }
  return Send(mods, names, /*replaces_table=*/true);
}

Status BridgeClient::Apply(const std::vector<std::string>& lines) {
  if (lines.empty()) return Status::Ok();
  std::vector<FlowMod> mods;
  for (const auto& line : lines) {
    auto mod = ParseBundleLine(line);
    if (!mod.ok()) return mod.status();
    mods.push_back(std::move(*mod));
  }
  return Send(mods, lines, /*replaces_table=*/false);
}

Status BridgeClient::Send(const std::vector<FlowMod>& mods, const std::vector<std::string>& names,
                          bool replaces_table) {
  // Port numbers now: a port may have come or gone (and come back renumbered)
  // since the last pass. A connection that went stale (vswitchd restarted)
  // is replaced once.
  Result<PortNumbers> ports = Unavailable("not connected");
  for (int attempt = 0; attempt < 2 && !ports.ok(); attempt++) {
    bool fresh = !conn_;
    if (fresh) {
      auto c = Connection::Open(socket_path_, timeout_);
      if (!c.ok()) return c.status();
      conn_ = std::move(*c);
    }
    ports = conn_->PortDesc();
    if (!ports.ok()) conn_.reset();
    if (fresh) break;
  }
  if (!ports.ok()) return ports.status();
  // A port that left and came back under another number since the last
  // bundle (both between two passes): the flows naming it went in with the
  // old number and a diff does not see it (the same text). Only a whole
  // table fixes that; the caller replaces it.
  if (!replaces_table)
    for (const auto& [name, number] : *ports)
      if (auto was = last_ports_.find(name); was != last_ports_.end() && was->second != number)
        return Conflict("port " + name + " was renumbered (" + std::to_string(was->second) + " -> " +
                        std::to_string(number) + ") since the last bundle: the table must be replaced");
  // vswitchd keeps a port's flows when the port goes, so the diff deletes them
  // by their match: a port gone since the last bundle is named by the number
  // it had then, unless a port here now holds that number (then the encoding
  // fails and the agent replaces the whole table). Only deletes see these
  // numbers: nothing is ever added toward a port that is not there.
  PortNumbers with_departed = *ports;
  std::set<uint32_t> taken;
  for (const auto& [name, number] : *ports) taken.insert(number);
  for (const auto& [name, number] : last_ports_)
    if (!with_departed.count(name) && !taken.count(number)) with_departed[name] = number;
  std::vector<Bytes> encoded;
  encoded.reserve(mods.size());
  for (size_t i = 0; i < mods.size(); i++) {
    auto b = EncodeFlowMod(mods[i], mods[i].command == kDeleteStrict ? with_departed : *ports, 0);
    if (!b.ok()) return Status(b.status().code(), "flow '" + names[i] + "': " + b.status().message());
    encoded.push_back(std::move(*b));
  }
  Status s = conn_->Bundle(encoded, names);
  if (s.ok()) last_ports_ = std::move(*ports);
  if (!s.ok() && s.code() != Code::kInvalidArgument) conn_.reset();
  return s;
}

}  // namespace isthmus::agent::openflow
