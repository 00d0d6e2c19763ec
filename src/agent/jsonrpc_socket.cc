#include "agent/jsonrpc_socket.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/deadline.h"

namespace isthmus::agent {

using nlohmann::json;

namespace {

// Waits for `events` on fd until the deadline; false on timeout.
bool WaitFor(int fd, short events, std::chrono::steady_clock::time_point deadline) {
  pollfd p{fd, events, 0};
  int n;
  while ((n = poll(&p, 1, deadline == JsonRpcSocket::kNoDeadline ? -1 : MillisecondsLeft(deadline))) < 0 &&
         errno == EINTR) {
  }
  return n > 0;
}

}  // namespace

Result<JsonRpcSocket> JsonRpcSocket::Connect(const std::string& path, std::string what) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return InvalidArgument(what + ": socket path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return Unavailable(what + ": socket: " + std::strerror(errno));
  if (connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    int err = errno;
    close(fd);
    return Unavailable(what + ": connect: " + std::strerror(err));
  }
  return JsonRpcSocket(fd, std::move(what));
}

JsonRpcSocket::JsonRpcSocket(JsonRpcSocket&& o) noexcept
    : fd_(o.fd_), what_(std::move(o.what_)), stream_(std::move(o.stream_)), next_id_(o.next_id_) {
  o.fd_ = -1;
}

JsonRpcSocket::~JsonRpcSocket() {
  if (fd_ >= 0) close(fd_);
}

void JsonRpcSocket::Shutdown() {
  if (fd_ >= 0) shutdown(fd_, SHUT_RDWR);
}

Status JsonRpcSocket::TimedOut() const { return Unavailable(what_ + ": timed out"); }

Status JsonRpcSocket::Send(const json& message, Clock::time_point deadline) {
  const std::string text = message.dump();
  for (size_t off = 0; off < text.size();) {
    if (!WaitFor(fd_, POLLOUT, deadline)) return TimedOut();
    ssize_t n = send(fd_, text.data() + off, text.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno != EINTR && errno != EAGAIN) return Unavailable(what_ + ": send: " + std::strerror(errno));
    if (n > 0) off += static_cast<size_t>(n);
  }
  return Status::Ok();
}

Result<json> JsonRpcSocket::Receive(Clock::time_point deadline) {
  std::string text;
  char buf[65536];
  for (;;) {
    while (stream_.Next(&text)) {
      json msg = json::parse(text, nullptr, false);
      if (msg.is_discarded() || !msg.is_object()) return Unavailable(what_ + ": a message that is not a JSON-RPC object");
      if (msg.value("method", "") == "echo") {  // keep-alive: answer and read on
        ISTHMUS_RETURN_IF_ERROR(Send({{"id", msg["id"]}, {"result", msg["params"]}, {"error", nullptr}}, deadline));
        continue;
      }
      return msg;
    }
    if (!WaitFor(fd_, POLLIN, deadline)) return TimedOut();
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n == 0) return Unavailable(what_ + ": the daemon closed the connection");
    if (n < 0 && errno != EINTR && errno != EAGAIN) return Unavailable(what_ + ": recv: " + std::strerror(errno));
    if (n > 0) stream_.Feed(std::string(buf, static_cast<size_t>(n)));
  }
}

Result<json> JsonRpcSocket::ReplyTo(const json& id, Clock::time_point deadline,
                                    const std::function<void(const json&)>& on_notification) {
  for (;;) {
    auto msg = Receive(deadline);
    if (!msg.ok()) return msg.status();
    if (msg->contains("id") && (*msg)["id"] == id && !msg->contains("method")) return std::move(*msg);
    if (on_notification && msg->contains("method")) on_notification(*msg);
  }
}

Result<json> JsonRpcSocket::Call(const std::string& method, const json& params, Clock::time_point deadline) {
  const int id = next_id_++;
  ISTHMUS_RETURN_IF_ERROR(Send({{"id", id}, {"method", method}, {"params", params}}, deadline));
  auto reply = ReplyTo(id, deadline);
  if (!reply.ok()) return reply.status();
  const json& error = (*reply)["error"];
  if (reply->contains("error") && !error.is_null())
    return Internal(what_ + ": " + method + ": " + (error.is_string() ? error.get<std::string>() : error.dump()));
  if (!reply->contains("result")) return Unavailable(what_ + ": the reply to " + method + " has no result");
  return (*reply)["result"];
}

}  // namespace isthmus::agent
