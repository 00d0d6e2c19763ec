#include "agent/socket_watch.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

namespace isthmus::agent {

StopSignal::StopSignal() : fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {}

StopSignal::~StopSignal() {
  if (fd_ >= 0) close(fd_);
}

void StopSignal::Raise() {
  uint64_t one = 1;
  if (write(fd_, &one, sizeof one) < 0) {
  }
}

bool StopSignal::raised() const {
  pollfd p = {fd_, POLLIN, 0};
  return poll(&p, 1, 0) > 0;
}

bool StopSignal::SleepFor(int ms) const {
  pollfd p = {fd_, POLLIN, 0};
  while (true) {
    int n = poll(&p, 1, ms);
    if (n < 0 && errno == EINTR) continue;
    return n == 0;
  }
}

SocketWatch::SocketWatch(const std::string& path) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  if (dir.empty()) dir = "/";
  name_ = slash == std::string::npos ? path : path.substr(slash + 1);
  fd_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd_ >= 0 && inotify_add_watch(fd_, dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_ATTRIB) < 0) {
    close(fd_);
    fd_ = -1;
  }
}

SocketWatch::~SocketWatch() {
  if (fd_ >= 0) close(fd_);
}

bool SocketWatch::ReadEvents() {
  bool ours = false;
  alignas(inotify_event) char buf[4096];
  while (true) {
    ssize_t n = read(fd_, buf, sizeof buf);
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* e = reinterpret_cast<inotify_event*>(p);
      if (e->len > 0 && name_ == e->name) ours = true;
      p += sizeof(inotify_event) + e->len;
    }
  }
  return ours;
}

void SocketWatch::Drain() {
  if (fd_ >= 0) ReadEvents();
}

SocketWatch::Event SocketWatch::Wait(const StopSignal& stop, int max_ms) {
  if (fd_ < 0) return stop.SleepFor(max_ms) ? Event::kTimeout : Event::kStopped;
  pollfd fds[2] = {{stop.fd(), POLLIN, 0}, {fd_, POLLIN, 0}};
  while (true) {
    int n = poll(fds, 2, max_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return Event::kTimeout;
    if (fds[0].revents) return Event::kStopped;
    // Another file of the directory: keep waiting (the deadline restarts,
    // which only stretches the safety net).
    if (ReadEvents()) return Event::kCreated;
  }
}

bool SocketWatch::WaitToRetry(const StopSignal& stop, int& quick) {
  if (quick > 0 && quick < 6) {
    if (!stop.SleepFor(10 << quick)) return false;
    ++quick;
    return true;
  }
  auto ev = Wait(stop, 5000);
  if (ev == Event::kStopped) return false;
  quick = ev == Event::kCreated ? 1 : 0;
  return true;
}

}  // namespace isthmus::agent
