// One OpenFlow 1.4 connection to a bridge's management socket
// (<OVS_RUNDIR>/<bridge>.mgmt): HELLO, echo replies, the port table
// (OFPMP_PORT_DESC) and atomic bundles of flow_mods. Errors come back as a
// Status naming the flow the switch refused. Not thread-safe; one per bridge.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "agent/openflow/flow_mod_encoder.h"
#include "agent/openflow/wire.h"
#include "common/status.h"

namespace isthmus::agent::openflow {

class Connection {
 public:
  // Connects and negotiates OpenFlow 1.4 (Unavailable if the socket is not
  // there or the switch does not answer within `timeout`). Every wait also
  // ends, Unavailable, once `stop_fd` (when >= 0) becomes readable.
  static Result<std::unique_ptr<Connection>> Open(const std::string& socket_path,
                                                  std::chrono::milliseconds timeout, int stop_fd = -1);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Result<PortNumbers> PortDesc();
  // Sends `flows` as one bundle (OFPBF_ATOMIC|OFPBF_ORDERED): all of them or
  // none. `names[i]` names flows[i] in errors (its flow text). A flow the
  // switch refuses while adding discards the bundle before any commit.
  Status Bundle(const std::vector<Bytes>& flows, const std::vector<std::string>& names);
  // Holds the connection open, answering echo requests and dropping anything
  // else, until the switch closes it (Unavailable) or `stop_fd` becomes
  // readable (Ok): how the agent notices that ovs-vswitchd went away.
  Status WaitUntilClosed(int stop_fd);

 private:
  Connection(int fd, std::string path, std::chrono::milliseconds timeout, int stop_fd)
      : fd_(fd), path_(std::move(path)), timeout_(timeout), stop_fd_(stop_fd) {}
  struct Message {
    uint8_t type = 0;
    uint32_t xid = 0;
    Bytes bytes;  // the whole message, header included
  };
  // Writes `out` whole while reading what comes back into inbox_ (so a busy
  // switch never blocks on us); answers echo requests.
  Status Pump(const Bytes& out, std::chrono::steady_clock::time_point deadline);
  // Reads until a message with `xid` (or of `type`, when given) arrives; it
  // is removed from inbox_.
  Result<Message> Await(uint32_t xid, std::chrono::steady_clock::time_point deadline, int type = -1);
  Status ReadSome(std::chrono::steady_clock::time_point deadline, bool wait);
  std::chrono::steady_clock::time_point Deadline() const { return std::chrono::steady_clock::now() + timeout_; }

  int fd_;
  std::string path_;
  std::chrono::milliseconds timeout_;
  int stop_fd_;
  uint32_t next_xid_ = 1;
  uint32_t next_bundle_ = 1;
  Bytes rx_;
  Bytes tx_;  // queued output (tx_off_ bytes of it sent)
  size_t tx_off_ = 0;
  std::vector<Message> inbox_;
};

// "OFPET_BAD_ACTION/OFPBAC_BAD_OUT_PORT"-style text of an OFPT_ERROR (type
// and code as numbers with the names the agent is likely to meet).
std::string DescribeError(const Bytes& error_message);

}  // namespace isthmus::agent::openflow
