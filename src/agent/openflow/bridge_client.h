// The agent's OpenFlow session with one bridge: keeps the connection open
// across passes, reconnects after an error, and turns the agent's flow text
// into bundles: a full resync (every flow with our cookie deleted and the
// desired ones added) or a diff (add / delete_strict lines), each one atomic.
// A diff can delete the flows of a port that has left the bridge since.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "agent/openflow/connection.h"
#include "common/status.h"

namespace isthmus::agent::openflow {

class BridgeClient {
 public:
  // rundir: OVS_RUNDIR ("" = /var/run/openvswitch); cookie: the agent's.
  BridgeClient(std::string rundir, std::string bridge, uint64_t cookie,
               std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // `flows`: "cookie=..,table=..,priority=..,<match> actions=<actions>" lines
  // (FlowTable::Dump). Replaces every flow carrying our cookie with them.
  Status Replace(const std::string& flows);
  // `lines`: "add <flow>" / "delete_strict <match>" (FlowTable::DiffFrom).
  // Conflict, sending nothing, when a port came back renumbered since the
  // last bundle (the flows naming it hold its old number): Replace then.
  Status Apply(const std::vector<std::string>& lines);
  // Drops the connection (the next call reconnects).
  void Reset() { conn_.reset(); }
  bool connected() const { return conn_ != nullptr; }

 private:
  Status Send(const std::vector<FlowMod>& mods, const std::vector<std::string>& names, bool replaces_table);
  std::string socket_path_;
  // The bridge's ports at the last bundle that went in: a port gone since keeps
  // its number there, for deleting the flows that named it (see Send).
  PortNumbers last_ports_;
  uint64_t cookie_;
  std::chrono::milliseconds timeout_;
  std::unique_ptr<Connection> conn_;
};

}  // namespace isthmus::agent::openflow
