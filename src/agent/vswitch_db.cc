#include "agent/vswitch_db.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>

#include "agent/jsonrpc_socket.h"

namespace isthmus::agent {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// RFC 7047's encodings of conditions, references, sets and maps.
json NameIs(const std::string& name) { return json::array({json::array({"name", "==", name})}); }
json UuidIs(const std::string& uuid) {
  return json::array({json::array({"_uuid", "==", json::array({"uuid", uuid})})});
}
json Named(const std::string& name) { return json::array({"named-uuid", name}); }
json SetOf(json items) { return json::array({"set", std::move(items)}); }
json MapOf(const std::map<std::string, std::string>& m) {
  json pairs = json::array();
  for (const auto& [k, v] : m) pairs.push_back(json::array({k, v}));
  return json::array({"map", pairs});
}
json Select(const std::string& table, json where, std::vector<std::string> columns) {
  return {{"op", "select"}, {"table", table}, {"where", std::move(where)}, {"columns", columns}};
}
// Fails the transaction (so nothing of it is written) when a row of that name appeared meanwhile.
json NoneNamed(const std::string& table, const std::string& name) {
  return {{"op", "wait"}, {"timeout", 0}, {"table", table}, {"where", NameIs(name)},
          {"columns", {"name"}}, {"until", "=="}, {"rows", json::array()}};
}

std::string UuidOf(const json& atom) { return atom.is_array() && atom.size() == 2 ? atom[1].get<std::string>() : ""; }
// A set column's members (a single atom, or ["set", [...]]).
std::vector<json> Members(const json& value) {
  if (value.is_array() && value.size() == 2 && value[0] == "set") return value[1].get<std::vector<json>>();
  return {value};
}
std::map<std::string, std::string> MapValue(const json& value) {
  std::map<std::string, std::string> m;
  if (value.is_array() && value.size() == 2 && value[0] == "map")
    for (const auto& pair : value[1]) m[pair[0].get<std::string>()] = pair[1].get<std::string>();
  return m;
}
std::string StringOrEmpty(const json& value) { return value.is_string() ? value.get<std::string>() : ""; }

// The keys of `want` whose value differs in `have`.
std::vector<std::string> ChangedKeys(const std::map<std::string, std::string>& want,
                                     const std::map<std::string, std::string>& have) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : want) {
    auto it = have.find(k);
    if (it == have.end() || it->second != v) keys.push_back(k);
  }
  return keys;
}

// Sets those keys of a map column: delete them, then insert the new pairs.
json SetKeys(const std::string& column, const std::vector<std::string>& keys,
             const std::map<std::string, std::string>& want) {
  std::map<std::string, std::string> pairs;
  for (const auto& k : keys) pairs[k] = want.at(k);
  return json::array({json::array({column, "delete", SetOf(keys)}), json::array({column, "insert", MapOf(pairs)})});
}

// One conversation with ovsdb-server: reads, then one write that ovs-vswitchd must apply.
class Session {
 public:
  Session(JsonRpcSocket socket, Clock::time_point deadline, std::string path)
      : socket_(std::move(socket)), deadline_(deadline), path_(std::move(path)) {}

  // The per-operation results, or the first operation's error.
  Result<json> Transact(const json& ops) {
    json params = json::array({"Open_vSwitch"});
    for (const auto& op : ops) params.push_back(op);
    auto r = socket_.Call("transact", params, deadline_);
    if (!r.ok()) return r.status();
    if (!r->is_array()) return Internal("OVSDB on " + path_ + ": transact answered " + r->dump());
    for (const auto& result : *r) {
      if (!result.is_object() || !result.contains("error") || result["error"].is_null()) continue;
      std::string error = result["error"].get<std::string>() + (result.contains("details") ? ": " + result["details"].dump() : "");
      // A guard's wait failed: someone else wrote the row meanwhile; the caller retries.
      if (result["error"] == "timed out") return Unavailable("OVSDB on " + path_ + ": changed while writing (" + error + ")");
      return Internal("OVSDB on " + path_ + ": " + error);
    }
    return std::move(*r);
  }

  // The rows of each select in `ops` (all selects).
  Result<std::vector<json>> Read(const json& ops) {
    auto r = Transact(ops);
    if (!r.ok()) return r.status();
    std::vector<json> rows;
    for (size_t i = 0; i < ops.size(); ++i) rows.push_back(i < r->size() ? (*r)[i].value("rows", json::array()) : json::array());
    return rows;
  }

  // Commits `ops` with next_cfg bumped, then (if asked) waits until
  // ovs-vswitchd reports it applied that configuration (cur_cfg).
  Status Write(json ops, bool wait) {
    if (ops.empty()) return Status::Ok();
    if (wait) {
      ops.push_back({{"op", "mutate"}, {"table", "Open_vSwitch"}, {"where", json::array()},
                     {"mutations", json::array({json::array({"next_cfg", "+=", 1})})}});
      ops.push_back(Select("Open_vSwitch", json::array(), {"next_cfg"}));
    }
    auto r = Transact(ops);
    if (!r.ok()) return r.status();
    if (!wait) return Status::Ok();
    const json& rows = (*r)[ops.size() - 1].value("rows", json::array());
    if (rows.empty()) return Internal("OVSDB on " + path_ + ": the Open_vSwitch table has no row (ovs-vsctl init)");
    return WaitApplied(rows[0].value("next_cfg", 0));
  }

 private:
  Status WaitApplied(int64_t next_cfg) {
    auto reached = [&](const json& table_updates) {
      if (!table_updates.is_object() || !table_updates.contains("Open_vSwitch")) return false;
      for (const auto& [uuid, change] : table_updates["Open_vSwitch"].items())
        if (change.contains("new") && change["new"].value("cur_cfg", int64_t{0}) >= next_cfg) return true;
      return false;
    };
    auto initial = socket_.Call("monitor", json::array({"Open_vSwitch", "isthmus-cfg", {{"Open_vSwitch", {{"columns", {"cur_cfg"}}}}}}),
                                deadline_);
    if (!initial.ok()) return initial.status();
    if (reached(*initial)) return Status::Ok();
    for (;;) {
      auto msg = socket_.Receive(deadline_);
      if (!msg.ok())
        return Unavailable("ovs-vswitchd did not apply configuration " + std::to_string(next_cfg) +
                           " in time (is it running?): " + msg.status().message());
      if (msg->value("method", "") == "update" && (*msg)["params"].is_array() && (*msg)["params"].size() == 2 &&
          reached((*msg)["params"][1]))
        return Status::Ok();
    }
  }

  JsonRpcSocket socket_;
  Clock::time_point deadline_;
  std::string path_;
};

Result<Session> Open(const std::string& path, std::chrono::milliseconds timeout) {
  auto socket = JsonRpcSocket::Connect(path, "OVSDB on " + path);
  if (!socket.ok()) return socket.status();
  return Session(std::move(*socket), Clock::now() + timeout, path);
}

}  // namespace

Status VswitchDb::EnsureBridges(const std::vector<BridgeSpec>& bridges) {
  auto session = Open(path_, timeout_);
  if (!session.ok()) return session.status();
  json reads = json::array();
  for (const auto& b : bridges)
    reads.push_back(Select("Bridge", NameIs(b.name), {"_uuid", "datapath_type", "fail_mode", "protocols"}));
  auto rows = session->Read(reads);
  if (!rows.ok()) return rows.status();
  json writes = json::array();
  json added = json::array();
  for (size_t i = 0; i < bridges.size(); ++i) {
    const BridgeSpec& b = bridges[i];
    json protocols = json::array();
    for (const auto& p : b.protocols) protocols.push_back(p);
    if ((*rows)[i].empty()) {
      const std::string n = std::to_string(i);
      writes.push_back(NoneNamed("Bridge", b.name));
      writes.push_back({{"op", "insert"}, {"table", "Interface"}, {"uuid-name", "iface" + n},
                        {"row", {{"name", b.name}, {"type", "internal"}}}});
      writes.push_back({{"op", "insert"}, {"table", "Port"}, {"uuid-name", "port" + n},
                        {"row", {{"name", b.name}, {"interfaces", Named("iface" + n)}}}});
      json row = {{"name", b.name}, {"ports", Named("port" + n)}, {"datapath_type", b.datapath_type},
                  {"fail_mode", b.fail_mode}};
      if (!b.protocols.empty()) row["protocols"] = SetOf(protocols);
      writes.push_back({{"op", "insert"}, {"table", "Bridge"}, {"uuid-name", "bridge" + n}, {"row", row}});
      added.push_back(Named("bridge" + n));
      continue;
    }
    const json& have = (*rows)[i][0];
    json update = json::object();
    if (StringOrEmpty(have["datapath_type"]) != b.datapath_type) update["datapath_type"] = b.datapath_type;
    if (StringOrEmpty(have["fail_mode"]) != b.fail_mode) update["fail_mode"] = b.fail_mode;
    std::set<std::string> have_protocols;
    for (const auto& p : Members(have["protocols"])) if (p.is_string()) have_protocols.insert(p.get<std::string>());
    if (!b.protocols.empty() && have_protocols != std::set<std::string>(b.protocols.begin(), b.protocols.end()))
      update["protocols"] = SetOf(protocols);
    if (!update.empty())
      writes.push_back({{"op", "update"}, {"table", "Bridge"}, {"where", UuidIs(UuidOf(have["_uuid"]))}, {"row", update}});
  }
  if (!added.empty())
    writes.push_back({{"op", "mutate"}, {"table", "Open_vSwitch"}, {"where", json::array()},
                      {"mutations", json::array({json::array({"bridges", "insert", SetOf(added)})})}});
  return session->Write(std::move(writes), wait_);
}

Status VswitchDb::EnsurePorts(const std::string& bridge, const std::vector<PortSpec>& ports) {
  if (ports.empty()) return Status::Ok();
  auto session = Open(path_, timeout_);
  if (!session.ok()) return session.status();
  json reads = json::array({Select("Bridge", NameIs(bridge), {"_uuid", "ports"})});
  for (const auto& p : ports) {
    reads.push_back(Select("Port", NameIs(p.name), {"_uuid"}));
    reads.push_back(Select("Interface", NameIs(p.name), {"_uuid", "type", "options", "external_ids"}));
  }
  auto rows = session->Read(reads);
  if (!rows.ok()) return rows.status();
  if ((*rows)[0].empty()) return Unavailable("OVSDB on " + path_ + ": no bridge " + bridge);
  std::set<std::string> on_bridge;
  for (const auto& p : Members((*rows)[0][0]["ports"])) on_bridge.insert(UuidOf(p));
  json writes = json::array();
  json added = json::array();
  for (size_t i = 0; i < ports.size(); ++i) {
    const PortSpec& p = ports[i];
    const json& port_rows = (*rows)[1 + 2 * i];
    const json& iface_rows = (*rows)[2 + 2 * i];
    if (port_rows.empty()) {
      const std::string n = std::to_string(i);
      json iface = {{"name", p.name}, {"options", MapOf(p.options)}, {"external_ids", MapOf(p.external_ids)}};
      if (!p.type.empty()) iface["type"] = p.type;
      writes.push_back(NoneNamed("Port", p.name));
      writes.push_back({{"op", "insert"}, {"table", "Interface"}, {"uuid-name", "iface" + n}, {"row", iface}});
      writes.push_back({{"op", "insert"}, {"table", "Port"}, {"uuid-name", "port" + n},
                        {"row", {{"name", p.name}, {"interfaces", Named("iface" + n)}}}});
      added.push_back(Named("port" + n));
      continue;
    }
    if (!on_bridge.count(UuidOf(port_rows[0]["_uuid"])))
      return InvalidArgument("OVSDB on " + path_ + ": port " + p.name + " is on another bridge than " + bridge);
    if (iface_rows.empty()) return Internal("OVSDB on " + path_ + ": port " + p.name + " has no interface of its name");
    const json& have = iface_rows[0];
    const json where = UuidIs(UuidOf(have["_uuid"]));
    if (!p.type.empty() && StringOrEmpty(have["type"]) != p.type)
      writes.push_back({{"op", "update"}, {"table", "Interface"}, {"where", where}, {"row", {{"type", p.type}}}});
    json mutations = json::array();
    for (const auto& [column, want] : {std::pair{"options", &p.options}, std::pair{"external_ids", &p.external_ids}}) {
      auto keys = ChangedKeys(*want, MapValue(have[column]));
      if (!keys.empty())
        for (auto& m : SetKeys(column, keys, *want)) mutations.push_back(m);
    }
    if (!mutations.empty())
      writes.push_back({{"op", "mutate"}, {"table", "Interface"}, {"where", where}, {"mutations", mutations}});
  }
  if (!added.empty())
    writes.push_back({{"op", "mutate"}, {"table", "Bridge"}, {"where", NameIs(bridge)},
                      {"mutations", json::array({json::array({"ports", "insert", SetOf(added)})})}});
  return session->Write(std::move(writes), wait_);
}

Status VswitchDb::DeletePorts(const std::string& bridge, const std::vector<std::string>& names) {
  if (names.empty()) return Status::Ok();
  auto session = Open(path_, timeout_);
  if (!session.ok()) return session.status();
  json reads = json::array({Select("Bridge", NameIs(bridge), {"_uuid", "ports"})});
  for (const auto& name : names) reads.push_back(Select("Port", NameIs(name), {"_uuid"}));
  auto rows = session->Read(reads);
  if (!rows.ok()) return rows.status();
  if ((*rows)[0].empty()) return Status::Ok();  // no bridge: its ports are gone too
  std::set<std::string> on_bridge;
  for (const auto& p : Members((*rows)[0][0]["ports"])) on_bridge.insert(UuidOf(p));
  json gone = json::array();
  for (size_t i = 0; i < names.size(); ++i)
    for (const auto& row : (*rows)[1 + i])
      if (on_bridge.count(UuidOf(row["_uuid"]))) gone.push_back(row["_uuid"]);
  if (gone.empty()) return Status::Ok();
  // Ports and interfaces are not root rows: ovsdb-server drops them once no bridge refers to them.
  return session->Write(json::array({{{"op", "mutate"}, {"table", "Bridge"}, {"where", NameIs(bridge)},
                                      {"mutations", json::array({json::array({"ports", "delete", SetOf(gone)})})}}}),
                        wait_);
}

}  // namespace isthmus::agent
