#include "agent/unixctl.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <nlohmann/json.hpp>

#include "agent/json_stream.h"

namespace isthmus::agent {

namespace {

using Clock = std::chrono::steady_clock;

int MsLeft(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return ms < 0 ? 0 : static_cast<int>(ms);
}

// Waits for `events` on fd until the deadline; false on timeout.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  pollfd p{fd, events, 0};
  int n;
  while ((n = poll(&p, 1, MsLeft(deadline))) < 0 && errno == EINTR) {
  }
  return n > 0;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Result<std::string> UnixctlPath(const std::string& rundir, const std::string& daemon) {
  const std::string dir = rundir.empty() ? "/var/run/openvswitch" : rundir;
  std::ifstream pidfile(dir + "/" + daemon + ".pid");
  long pid = 0;
  if (!(pidfile >> pid) || pid <= 0) return Unavailable(daemon + " is not running in " + dir + " (no pid file)");
  return dir + "/" + daemon + "." + std::to_string(pid) + ".ctl";
}

Result<std::string> UnixctlCall(const std::string& path, const std::string& method,
                                const std::vector<std::string>& params, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const std::string what = "unixctl " + method + " on " + path;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) return InvalidArgument(what + ": socket path too long");
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  Fd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Unavailable(what + ": socket: " + std::strerror(errno));
  if (connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0)
    return Unavailable(what + ": connect: " + std::strerror(errno));
  const std::string request = nlohmann::json{{"id", 0}, {"method", method}, {"params", params}}.dump();
  for (size_t off = 0; off < request.size();) {
    if (!WaitFor(fd.get(), POLLOUT, deadline)) return Unavailable(what + ": timed out after " + std::to_string(timeout.count()) + " ms");
    ssize_t n = send(fd.get(), request.data() + off, request.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno != EINTR && errno != EAGAIN) return Unavailable(what + ": send: " + std::strerror(errno));
    if (n > 0) off += static_cast<size_t>(n);
  }
  JsonStreamSplitter stream;
  std::string reply;
  char buf[65536];
  while (!stream.Next(&reply)) {
    if (!WaitFor(fd.get(), POLLIN, deadline)) return Unavailable(what + ": timed out after " + std::to_string(timeout.count()) + " ms");
    ssize_t n = recv(fd.get(), buf, sizeof(buf), 0);
    if (n == 0) return Unavailable(what + ": the daemon closed the connection");
    if (n < 0 && errno != EINTR && errno != EAGAIN) return Unavailable(what + ": recv: " + std::strerror(errno));
    if (n > 0) stream.Feed(std::string(buf, static_cast<size_t>(n)));
  }
  nlohmann::json r = nlohmann::json::parse(reply, nullptr, false);
  if (r.is_discarded() || !r.is_object()) return Unavailable(what + ": the reply is not a JSON-RPC object");
  if (r.contains("error") && !r["error"].is_null())
    return Internal(what + ": " + (r["error"].is_string() ? r["error"].get<std::string>() : r["error"].dump()));
  if (!r.contains("result") || !r["result"].is_string()) return Unavailable(what + ": the reply has no result");
  return r["result"].get<std::string>();
}

}  // namespace isthmus::agent
