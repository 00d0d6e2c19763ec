#include "agent/openflow/connection.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/deadline.h"

namespace isthmus::agent::openflow {
namespace {

using Clock = std::chrono::steady_clock;

constexpr uint8_t kBarrierRequest = 20, kBarrierReply = 21;

Bytes Control(uint32_t xid, uint32_t bundle, uint16_t type, uint16_t flags) {
  Writer w;
  size_t at = StartMessage(w, kBundleControl, xid);
  w.U32(bundle), w.U16(type), w.U16(flags);
  FinishMessage(w, at);
  return std::move(w.bytes());
}

}  // namespace

std::string DescribeError(const Bytes& m) {
  if (m.size() < 12) return "a truncated OFPT_ERROR";
  uint16_t type = GetU16(&m[8]), code = GetU16(&m[10]);
  static const char* names[] = {"HELLO_FAILED", "BAD_REQUEST", "BAD_ACTION", "BAD_INSTRUCTION",
                                "BAD_MATCH", "FLOW_MOD_FAILED", "GROUP_MOD_FAILED", "PORT_MOD_FAILED",
                                "TABLE_MOD_FAILED", "QUEUE_OP_FAILED", "SWITCH_CONFIG_FAILED",
                                "ROLE_REQUEST_FAILED", "METER_MOD_FAILED", "TABLE_FEATURES_FAILED",
                                "BAD_PROPERTY", "ASYNC_CONFIG_FAILED", "FLOW_MONITOR_FAILED",
                                "BUNDLE_FAILED"};
  std::string out;
  if (type < std::size(names)) out = std::string("OFPET_") + names[type] + " code " + std::to_string(code);
  else if (type == 0xffff && m.size() >= 16)
    out = "experimenter error " + std::to_string(code) + " (experimenter 0x" + Hex(Bytes(&m[12], &m[16])) + ")";
  else out = "error type " + std::to_string(type) + " code " + std::to_string(code);
  return out;
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& path, std::chrono::milliseconds timeout,
                                                     int stop_fd) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return InvalidArgument("socket path too long: " + path);
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Unavailable(std::string("socket: ") + std::strerror(errno));
  // Non-blocking: a wedged switch whose backlog is full fails at once (EAGAIN).
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    close(fd);
    return Unavailable("connecting to " + path + ": " + std::strerror(e));
  }
  std::unique_ptr<Connection> c(new Connection(fd, path, timeout, stop_fd));
  Writer w;
  size_t at = StartMessage(w, kHello, 0);
  FinishMessage(w, at);
  auto deadline = c->Deadline();
  ISTHMUS_RETURN_IF_ERROR(c->Pump(w.bytes(), deadline));
  auto hello = c->Await(0, deadline, kHello);
  if (!hello.ok()) return hello.status();
  if (hello->type == kError) return Unavailable("the switch refused our HELLO: " + DescribeError(hello->bytes));
  if (hello->bytes[0] < kVersion14)
    return Unavailable(path + " does not speak OpenFlow 1.4 (got version " + std::to_string(hello->bytes[0]) + ")");
  return c;
}

Connection::~Connection() { close(fd_); }

Status Connection::ReadSome(Clock::time_point deadline, bool wait) {
  pollfd fds[2] = {{fd_, short(POLLIN | (tx_.size() > tx_off_ ? POLLOUT : 0)), 0}, {stop_fd_, POLLIN, 0}};
  pollfd& p = fds[0];
  int n = poll(fds, stop_fd_ >= 0 ? 2 : 1, wait ? MillisecondsLeft(deadline) : 0);
  if (n < 0 && errno != EINTR) return Unavailable(std::string("poll: ") + std::strerror(errno));
  if (n > 0 && stop_fd_ >= 0 && fds[1].revents) return Unavailable("OpenFlow to " + path_ + ": stopping");
  if (n <= 0 && wait && MillisecondsLeft(deadline) == 0)
    return Unavailable("OpenFlow to " + path_ + ": timed out after " + std::to_string(timeout_.count()) +
                       " ms (the switch did not answer)");
  if (n <= 0) return Status::Ok();
  if (p.revents & POLLOUT) {
    ssize_t k = send(fd_, tx_.data() + tx_off_, tx_.size() - tx_off_, MSG_NOSIGNAL);
    if (k < 0 && errno != EAGAIN && errno != EINTR) return Unavailable(std::string("send: ") + std::strerror(errno));
    if (k > 0) tx_off_ += size_t(k);
    if (tx_off_ == tx_.size()) tx_.clear(), tx_off_ = 0;
  }
  if (!(p.revents & (POLLIN | POLLHUP | POLLERR))) return Status::Ok();
  uint8_t buf[65536];
  ssize_t k = recv(fd_, buf, sizeof buf, 0);
  if (k == 0) return Unavailable("the switch closed the OpenFlow connection");
  if (k < 0) {
    if (errno == EAGAIN || errno == EINTR) return Status::Ok();
    return Unavailable(std::string("recv: ") + std::strerror(errno));
  }
  rx_.insert(rx_.end(), buf, buf + k);
  size_t off = 0;
  while (rx_.size() - off >= kHeaderSize) {
    uint16_t len = GetU16(&rx_[off + 2]);
    if (len < kHeaderSize) return Unavailable("a malformed OpenFlow message from the switch");
    if (rx_.size() - off < len) break;
    Message m{rx_[off + 1], GetU32(&rx_[off + 4]), Bytes(rx_.begin() + off, rx_.begin() + off + len)};
    off += len;
    if (m.type == kEchoRequest) {
      m.bytes[1] = kEchoReply;
      tx_.insert(tx_.end(), m.bytes.begin(), m.bytes.end());
      continue;
    }
    inbox_.push_back(std::move(m));
  }
  rx_.erase(rx_.begin(), rx_.begin() + off);
  return Status::Ok();
}

Status Connection::WaitUntilClosed(int stop_fd) {
  for (;;) {
    pollfd p[2] = {{fd_, short(POLLIN | (tx_.size() > tx_off_ ? POLLOUT : 0)), 0}, {stop_fd, POLLIN, 0}};
    int n = poll(p, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Unavailable(std::string("poll: ") + std::strerror(errno));
    if (p[1].revents) return Status::Ok();
    ISTHMUS_RETURN_IF_ERROR(ReadSome(Clock::now(), false));  // echo requests answered there
    inbox_.clear();  // asynchronous messages: nobody waits for them here
  }
}

Status Connection::Pump(const Bytes& out, Clock::time_point deadline) {
  tx_.insert(tx_.end(), out.begin(), out.end());
  while (!tx_.empty()) ISTHMUS_RETURN_IF_ERROR(ReadSome(deadline, true));
  return Status::Ok();
}

Result<Connection::Message> Connection::Await(uint32_t xid, Clock::time_point deadline, int type) {
  for (;;) {
    auto it = std::find_if(inbox_.begin(), inbox_.end(), [&](const Message& m) {
      return type >= 0 ? m.type == type || m.type == kError : m.xid == xid;
    });
    if (it != inbox_.end()) {
      Message m = std::move(*it);
      inbox_.erase(it);
      return m;
    }
    ISTHMUS_RETURN_IF_ERROR(ReadSome(deadline, true));
  }
}

Result<PortNumbers> Connection::PortDesc() {
  uint32_t xid = next_xid_++;
  Writer w;
  size_t at = StartMessage(w, kMultipartRequest, xid);
  w.U16(kMultipartPortDesc), w.U16(0), w.Zeros(4);
  FinishMessage(w, at);
  auto deadline = Deadline();
  ISTHMUS_RETURN_IF_ERROR(Pump(w.bytes(), deadline));
  PortNumbers ports;
  for (;;) {
    auto m = Await(xid, deadline);
    if (!m.ok()) return m.status();
    if (m->type == kError) return Unavailable("port description refused: " + DescribeError(m->bytes));
    const Bytes& b = m->bytes;
    if (m->type != kMultipartReply || b.size() < 16) return Unavailable("unexpected answer to a port description");
    for (size_t off = 16; off + 48 <= b.size();) {
      uint16_t len = GetU16(&b[off + 4]);
      if (len < 48 || off + len > b.size()) return Unavailable("a malformed port description");
      const char* name = reinterpret_cast<const char*>(&b[off + 16]);
      ports[std::string(name, strnlen(name, 16))] = GetU32(&b[off]);
      off += len;
    }
    if (!(GetU16(&b[10]) & kMultipartReplyMore)) return ports;
  }
}

Status Connection::Bundle(const std::vector<Bytes>& flows, const std::vector<std::string>& names) {
  const uint16_t flags = kBundleAtomic | kBundleOrdered;
  uint32_t bundle = next_bundle_++;
  uint32_t open_xid = next_xid_++;
  uint32_t first = next_xid_;
  next_xid_ += uint32_t(flows.size());
  uint32_t barrier_xid = next_xid_++;
  auto deadline = Deadline();
  Writer w;
  w.Append(Control(open_xid, bundle, kBundleOpenRequest, flags));
  for (size_t i = 0; i < flows.size(); i++) {
    uint32_t xid = first + uint32_t(i);
    size_t at = StartMessage(w, kBundleAddMessage, xid);
    w.U32(bundle), w.U16(0), w.U16(flags);
    size_t inner = w.size();
    w.Append(flows[i]);
    for (int k = 0; k < 4; k++) w.bytes()[inner + 4 + k] = uint8_t(xid >> (8 * (3 - k)));
    FinishMessage(w, at);
  }
  size_t at = StartMessage(w, kBarrierRequest, barrier_xid);
  FinishMessage(w, at);
  ISTHMUS_RETURN_IF_ERROR(Pump(w.bytes(), deadline));
  auto barrier = Await(barrier_xid, deadline);
  if (!barrier.ok()) return barrier.status();
  // What the switch said about the opening and each flow.
  auto refused = [&]() -> Status {
    for (const auto& m : inbox_) {
      if (m.type != kError) continue;
      if (m.xid == open_xid) return Unavailable("opening a bundle: " + DescribeError(m.bytes));
      if (m.xid >= first && m.xid < first + flows.size())
        return InvalidArgument("the switch refused flow '" + names[m.xid - first] + "': " + DescribeError(m.bytes));
    }
    return Status::Ok();
  };
  Status s = refused();
  if (!s.ok()) {
    inbox_.clear();
    uint32_t xid = next_xid_++;
    if (Pump(Control(xid, bundle, kBundleDiscardRequest, flags), deadline).ok()) (void)Await(xid, deadline);
    inbox_.clear();
    return s;
  }
  uint32_t commit_xid = next_xid_++;
  ISTHMUS_RETURN_IF_ERROR(Pump(Control(commit_xid, bundle, kBundleCommitRequest, flags), deadline));
  auto commit = Await(commit_xid, deadline);
  if (!commit.ok()) return commit.status();
  if (commit->type == kError) {
    s = refused();
    inbox_.clear();
    if (!s.ok()) return s;
    return InvalidArgument("the switch refused the bundle: " + DescribeError(commit->bytes));
  }
  inbox_.clear();
  return Status::Ok();
}

}  // namespace isthmus::agent::openflow
