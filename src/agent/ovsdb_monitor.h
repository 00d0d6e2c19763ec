// Watches the host's OVSDB Interface table over the OVSDB JSON-RPC protocol
// (RFC 7047 "monitor") on its unix socket, so the agent learns the moment a VIF
// is plugged or gets its OpenFlow port: event-driven, no polling. Runs its own
// thread; calls on_change with the full table after every update. When
// ovsdb-server goes away it waits for its socket to be created again (inotify)
// and reconnects at once, then calls on_reconnect (the agent resyncs).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "agent/jsonrpc_socket.h"
#include "agent/socket_watch.h"

#include <nlohmann/json.hpp>

namespace isthmus::agent {

struct OvsInterface {
  std::string name;
  int ofport = -1;       // -1 until vswitchd assigns one
  std::string iface_id;  // external_ids:iface-id
};

using InterfaceTable = std::map<std::string, OvsInterface>;  // by name

// Applies one "Interface" table-update object to the table. Exposed for tests.
void ApplyInterfaceUpdate(const nlohmann::json& table_update, std::map<std::string, OvsInterface>* by_uuid);

class OvsdbMonitor {
 public:
  OvsdbMonitor(std::string socket_path, std::function<void(const InterfaceTable&)> on_change,
               std::function<void()> on_reconnect = {});
  ~OvsdbMonitor();
  void Start();
  void Stop();

 private:
  enum class Session { kNotConnected, kNoReply, kEnded };
  void Loop();
  Session RunSession();
  // Asks for the Interface table and follows its updates until the socket
  // ends; *replied once the server answered the monitor request.
  Status Watch(JsonRpcSocket& socket, bool* replied);

  std::string path_;
  std::function<void(const InterfaceTable&)> on_change_;
  std::function<void()> on_reconnect_;
  std::atomic<bool> stop_{false};
  StopSignal stop_signal_;
  bool replied_once_ = false;  // the monitor thread's: a reply came on some session
  std::mutex mu_;
  JsonRpcSocket* session_ = nullptr;  // the current connection, for Stop() to end (under mu_)
  std::thread thread_;
};

}  // namespace isthmus::agent
