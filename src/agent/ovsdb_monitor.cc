#include "agent/ovsdb_monitor.h"

#include "common/log.h"

namespace isthmus::agent {

using nlohmann::json;

namespace {

OvsInterface RowToInterface(const json& row) {
  OvsInterface i;
  i.name = row.value("name", "");
  const json& ofport = row.contains("ofport") ? row["ofport"] : json();
  if (ofport.is_number_integer()) i.ofport = ofport.get<int>();
  const json& ext = row.contains("external_ids") ? row["external_ids"] : json();
  if (ext.is_array() && ext.size() == 2 && ext[0] == "map" && ext[1].is_array()) {
    for (const auto& kv : ext[1])
      if (kv.is_array() && kv.size() == 2 && kv[0] == "iface-id" && kv[1].is_string())
        i.iface_id = kv[1].get<std::string>();
  }
  return i;
}

}  // namespace

void ApplyInterfaceUpdate(const json& table_update, std::map<std::string, OvsInterface>* by_uuid) {
  if (!table_update.is_object()) return;
  for (const auto& [uuid, change] : table_update.items()) {
    if (change.contains("new") && change["new"].is_object()) {
      (*by_uuid)[uuid] = RowToInterface(change["new"]);
    } else {
      by_uuid->erase(uuid);
    }
  }
}

OvsdbMonitor::OvsdbMonitor(std::string socket_path,
                           std::function<void(const InterfaceTable&)> on_change,
                           std::function<void()> on_reconnect)
    : path_(std::move(socket_path)),
      on_change_(std::move(on_change)),
      on_reconnect_(std::move(on_reconnect)) {
  if (path_.rfind("unix:", 0) == 0) path_ = path_.substr(5);
}

OvsdbMonitor::~OvsdbMonitor() { Stop(); }

void OvsdbMonitor::Start() { thread_ = std::thread([this] { Loop(); }); }

void OvsdbMonitor::Stop() {
  stop_ = true;
  stop_signal_.Raise();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (session_) session_->Shutdown();
  }
  if (thread_.joinable()) thread_.join();
}

// Connects; when the socket is not there or refuses, waits until ovsdb-server
// creates it again. Right after it appears a few quick retries cover the gap
// between its bind() and listen(); the 5 s wait is only a safety net.
void OvsdbMonitor::Loop() {
  SocketWatch watch(path_);
  int quick = 0;
  while (!stop_) {
    watch.Drain();
    Session s = RunSession();
    if (stop_) break;
    if (s == Session::kEnded) {
      quick = 0;
      continue;  // try again at once: a restarted server may already listen
    }
    if (s == Session::kNoReply) {
      if (!stop_signal_.SleepFor(100)) break;
      continue;
    }
    if (!watch.WaitToRetry(stop_signal_, quick)) break;
  }
}

OvsdbMonitor::Session OvsdbMonitor::RunSession() {
  auto socket = JsonRpcSocket::Connect(path_, "ovsdb-server at " + path_);
  if (!socket.ok()) return Session::kNotConnected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return Session::kEnded;
    session_ = &*socket;
  }
  bool replied = false;
  Status ended = Watch(*socket, &replied);
  {
    std::lock_guard<std::mutex> lock(mu_);
    session_ = nullptr;
  }
  if (stop_) return Session::kEnded;
  if (!replied) return Session::kNoReply;
  LOG_WARN("OVSDB monitor: " << ended.message() << "; reconnecting when ovsdb-server is back");
  return Session::kEnded;
}

Status OvsdbMonitor::Watch(JsonRpcSocket& socket, bool* replied) {
  const auto forever = JsonRpcSocket::kNoDeadline;
  const json id = "isthmus-monitor";
  ISTHMUS_RETURN_IF_ERROR(socket.Send(
      {{"id", id},
       {"method", "monitor"},
       {"params",
        {"Open_vSwitch", "isthmus-interfaces", {{"Interface", {{"columns", {"name", "ofport", "external_ids"}}}}}}}},
      forever));
  std::map<std::string, OvsInterface> by_uuid;
  while (!stop_) {
    auto msg = socket.Receive(forever);  // echo requests are answered inside
    if (!msg.ok()) return msg.status();
    const json* update = nullptr;
    if (msg->contains("result") && msg->value("id", json()) == id) {
      update = &(*msg)["result"];
      if (replied_once_ && on_reconnect_) {
        LOG_INFO("OVSDB monitor on " << path_ << " connected again");
        on_reconnect_();
      }
      *replied = replied_once_ = true;
    } else if (msg->value("method", "") == "update" && (*msg)["params"].is_array() &&
               (*msg)["params"].size() == 2) {
      update = &(*msg)["params"][1];
    }
    if (!update || !update->is_object()) continue;
    if (update->contains("Interface")) ApplyInterfaceUpdate((*update)["Interface"], &by_uuid);
    InterfaceTable table;
    for (const auto& [uuid, iface] : by_uuid) table[iface.name] = iface;
    on_change_(table);
  }
  return Status::Ok();
}

}  // namespace isthmus::agent
