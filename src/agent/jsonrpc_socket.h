// One JSON-RPC 1.0 conversation on a unix socket with a deadline: what the
// agent speaks to ovs-vswitchd's control socket (unixctl.h) and to ovsdb-server
// for writes (vswitch_db.h). Answers the server's "echo" itself; every wait is
// bounded by the caller's deadline, so a wedged daemon costs a failed call.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "agent/json_stream.h"

namespace isthmus::agent {

class JsonRpcSocket {
 public:
  using Clock = std::chrono::steady_clock;
  // A deadline that never comes (a watch that waits until Shutdown()).
  static constexpr Clock::time_point kNoDeadline = Clock::time_point::max();

  // Connects to the socket at `path`; `what` names the peer in every error.
  static Result<JsonRpcSocket> Connect(const std::string& path, std::string what);
  JsonRpcSocket(JsonRpcSocket&& o) noexcept;
  JsonRpcSocket& operator=(JsonRpcSocket&&) = delete;
  JsonRpcSocket(const JsonRpcSocket&) = delete;
  ~JsonRpcSocket();

  Status Send(const nlohmann::json& message, Clock::time_point deadline);
  // The next message that is not an echo request (answered on the way).
  Result<nlohmann::json> Receive(Clock::time_point deadline);
  // The reply to request `id`; notifications before it go to `on_notification` (if set).
  Result<nlohmann::json> ReplyTo(const nlohmann::json& id, Clock::time_point deadline,
                                 const std::function<void(const nlohmann::json&)>& on_notification = {});
  // Sends a request and returns its reply's "result"; the reply's "error" as Internal.
  Result<nlohmann::json> Call(const std::string& method, const nlohmann::json& params,
                              Clock::time_point deadline);
  // Ends the conversation from any thread: a Receive waiting on another one
  // returns Unavailable at once.
  void Shutdown();

 private:
  JsonRpcSocket(int fd, std::string what) : fd_(fd), what_(std::move(what)) {}
  Status TimedOut() const;

  int fd_ = -1;
  std::string what_;
  JsonStreamSplitter stream_;
  int next_id_ = 0;
};

}  // namespace isthmus::agent
