#include "central/status_report.h"

#include <ctime>
#include <map>

#include "central/status_store.h"
#include "common/crypto.h"
#include "common/net.h"

namespace isthmus::central {

using nlohmann::json;

namespace {

bool NonNegativeInt(const json& v) { return v.is_number_integer() && v.get<int64_t>() >= 0; }

// Neutron's agent timestamps: "2026-12-02 07:00:00" (UTC); null when unknown.
json AgentTime(int64_t unix_seconds) {
  if (unix_seconds <= 0) return nullptr;
  std::time_t t = unix_seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

Status ReadHosts(Federation& f, const json& hosts, StatusBatch& b, int& ignored) {
  if (!hosts.is_array()) return InvalidArgument("status.hosts must be a list");
  std::map<std::string, std::string> cloud_of;
  for (const auto& h : f.ListHosts()) cloud_of[h.name] = h.cloud;
  for (const auto& h : hosts) {
    if (!h.is_object() || !h.contains("host") || !h["host"].is_string() ||
        !IsValidHostName(h["host"].get<std::string>()))
      return InvalidArgument("status.hosts: each entry needs a host name, got " + h.dump());
    if (!h.contains("alive") || !h["alive"].is_boolean())
      return InvalidArgument("status.hosts: alive of " + h["host"].get<std::string>() + " must be true or false");
    if (!h.contains("heartbeat_timestamp") || !NonNegativeInt(h["heartbeat_timestamp"]) ||
        (h.contains("started_at") && !NonNegativeInt(h["started_at"])))
      return InvalidArgument("status.hosts: heartbeat_timestamp and started_at are Unix seconds");
    const std::string name = h["host"];
    auto it = cloud_of.find(name);
    if (it == cloud_of.end() || it->second != b.cloud) {
      ++ignored;
      continue;
    }
    AgentRow row;
    row.alive = h["alive"];
    row.heartbeat_at = h["heartbeat_timestamp"];
    row.started_at = h.value("started_at", int64_t{0});
    b.agents.push_back({name, row});
  }
  return Status::Ok();
}

Status ReadPorts(Federation& f, const json& ports, StatusBatch& b, int& ignored) {
  if (!ports.is_array()) return InvalidArgument("status.ports must be a list");
  for (const auto& p : ports) {
    if (!p.is_object() || !p.contains("id") || !p["id"].is_string() || !IsValidId(p["id"].get<std::string>()))
      return InvalidArgument("status.ports: each entry needs a port id, got " + p.dump());
    const std::string status = p.value("status", json()).is_string() ? p["status"].get<std::string>() : "";
    if (status != "ACTIVE" && status != "DOWN")
      return InvalidArgument("status.ports: status must be ACTIVE or DOWN, got " + p.value("status", json()).dump());
    const json host = p.value("host", json(""));
    if (!host.is_string() || (!host.get<std::string>().empty() && !IsValidHostName(host.get<std::string>())))
      return InvalidArgument("status.ports: host must be a host name or \"\", got " + host.dump());
    auto port = f.Find<model::Port>(p["id"].get<std::string>());
    if (!port || port->cloud != b.cloud) {
      ++ignored;
      continue;
    }
    b.ports.push_back({port->id, PortStatusRow{b.cloud, host.get<std::string>(), status}});
  }
  return Status::Ok();
}

}  // namespace

Result<json> ReportStatus(Federation& f, const std::string& cloud, const json& body) {
  StatusStore* store = f.statuses();
  if (!store) return Unavailable("central keeps no statuses");
  ISTHMUS_RETURN_IF_ERROR(f.GetCloud(cloud).status());
  const json& s = body.is_object() && body.contains("status") ? body["status"] : json();
  if (!s.is_object())
    return InvalidArgument("expected {\"status\": {\"agent_down_time\", \"hosts\": [...], \"ports\": [...]}}");
  for (const auto& [k, v] : s.items())
    if (k != "agent_down_time" && k != "hosts" && k != "ports") return InvalidArgument("status: unknown attribute " + k);
  StatusBatch b;
  b.cloud = cloud;
  if (s.contains("agent_down_time")) {
    const json& d = s["agent_down_time"];
    if (!d.is_number_integer() || d.get<int64_t>() < 1 || d.get<int64_t>() > 86400)
      return InvalidArgument("status.agent_down_time must be 1 to 86400 seconds");
    b.down_time = d;
  }
  int ignored = 0;
  ISTHMUS_RETURN_IF_ERROR(ReadHosts(f, s.value("hosts", json::array()), b, ignored));
  ISTHMUS_RETURN_IF_ERROR(ReadPorts(f, s.value("ports", json::array()), b, ignored));
  ISTHMUS_RETURN_IF_ERROR(store->Record(b, StatusStore::NowSeconds()));
  if (ignored) store->Prune([&](const std::string& id) { return f.Find<model::Port>(id).has_value(); });
  return json{{"ports", b.ports.size()}, {"hosts", b.agents.size()}, {"ignored", ignored}};
}

std::string PortStatusOf(Federation& f, const model::Port& p) {
  if (p.device_owner == model::kOwnerFloatingIp) return "N/A";
  if (!p.admin_state_up || (p.IsInstance() && p.host.empty())) return "DOWN";
  StatusStore* store = f.statuses();
  auto row = store ? store->Port(p.id) : std::nullopt;
  if (!row || row->status != "ACTIVE" || row->cloud != p.cloud) return "DOWN";
  if (p.IsInstance() && row->host != p.host) return "DOWN";  // reported for its former host
  if (!row->host.empty()) {
    auto agent = store->Agent(row->host);
    if (agent && !agent->AliveAt(StatusStore::NowSeconds())) return "DOWN";  // its cloud went quiet
  }
  return "ACTIVE";
}

json AgentView(Federation& f, const model::Host& h) {
  std::string hex = crypto::Sha256Hex("agent/" + h.name);  // a stable, UUID-shaped id per host
  std::string id = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) +
                   "-" + hex.substr(20, 12);
  StatusStore* store = f.statuses();
  auto a = store ? store->Agent(h.name) : std::nullopt;
  AgentRow row = a.value_or(AgentRow{});
  return json{{"id", id},
              {"agent_type", "Open vSwitch agent"},
              {"binary", "isthmus-agent"},
              {"topic", "N/A"},
              {"host", h.name},
              {"admin_state_up", true},
              {"alive", a && a->AliveAt(StatusStore::NowSeconds())},
              {"availability_zone", h.cloud},
              {"configurations", {{"role", h.role}, {"vtep_ip", h.vtep_ip}, {"dvr_mac", h.dvr_mac}}},
              {"description", nullptr},
              {"created_at", AgentTime(row.created_at)},
              {"started_at", AgentTime(row.started_at)},
              {"heartbeat_timestamp", AgentTime(row.heartbeat_at)},
              {"resources_synced", nullptr}};
}

}  // namespace isthmus::central
