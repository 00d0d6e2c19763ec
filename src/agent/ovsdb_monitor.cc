#include "agent/ovsdb_monitor.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

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
  int fd = fd_.exchange(-1);
  if (fd >= 0) shutdown(fd, SHUT_RDWR);
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
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Session::kNotConnected;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path_.c_str(), sizeof(addr.sun_path) - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return Session::kNotConnected;
  }
  fd_ = fd;
  if (stop_) {
    fd_ = -1;
    close(fd);
    return Session::kEnded;
  }
  auto send = [&](const json& msg) {
    std::string s = msg.dump();
    return ::send(fd, s.data(), s.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(s.size());
  };
  json req = {{"id", "isthmus-monitor"},
              {"method", "monitor"},
              {"params",
               {"Open_vSwitch", "isthmus-interfaces",
                {{"Interface", {{"columns", {"name", "ofport", "external_ids"}}}}}}}};
  bool ok = send(req);
  bool replied = false;
  std::map<std::string, OvsInterface> by_uuid;
  JsonStreamSplitter splitter;
  char buf[65536];
  while (ok && !stop_) {
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    splitter.Feed(std::string(buf, n));
    std::string text;
    while (splitter.Next(&text)) {
      json msg = json::parse(text, nullptr, false);
      if (msg.is_discarded() || !msg.is_object()) continue;
      const std::string method = msg.value("method", "");
      if (method == "echo") {
        send({{"id", msg["id"]}, {"result", msg["params"]}, {"error", nullptr}});
        continue;
      }
      const json* update = nullptr;
      if (msg.contains("result") && msg.value("id", json()) == "isthmus-monitor") {
        update = &msg["result"];
        if (replied_once_ && on_reconnect_) {
          LOG_INFO("OVSDB monitor on " << path_ << " connected again");
          on_reconnect_();
        }
        replied = replied_once_ = true;
      } else if (method == "update" && msg["params"].is_array() && msg["params"].size() == 2) {
        update = &msg["params"][1];
      }
      if (!update || !update->is_object()) continue;
      if (update->contains("Interface")) ApplyInterfaceUpdate((*update)["Interface"], &by_uuid);
      InterfaceTable table;
      for (const auto& [uuid, iface] : by_uuid) table[iface.name] = iface;
      on_change_(table);
    }
  }
  int expected = fd;
  fd_.compare_exchange_strong(expected, -1);
  close(fd);
  if (stop_) return Session::kEnded;
  if (!replied) return Session::kNoReply;
  LOG_WARN("OVSDB monitor on " << path_ << " lost; reconnecting when ovsdb-server is back");
  return Session::kEnded;
}

}  // namespace isthmus::agent
