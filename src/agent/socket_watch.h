// SocketWatch: waits, without polling, for a daemon's unix socket (ovsdb-server's
// db.sock, ovs-vswitchd's <bridge>.mgmt) to be created again, via inotify on its
// directory; and StopSignal, an eventfd that wakes such waits when the agent stops.
// Used by the OVSDB monitor and the vswitchd watch to notice a restart at once.
#pragma once

#include <string>

namespace isthmus::agent {

// Readable once Raise() was called; for poll() loops that must end on Stop().
class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;
  void Raise();
  bool raised() const;
  int fd() const { return fd_; }
  // Sleeps up to ms; false when the signal was raised.
  bool SleepFor(int ms) const;

 private:
  int fd_ = -1;
};

class SocketWatch {
 public:
  // `path`: the socket file; its directory is watched (it must exist).
  explicit SocketWatch(const std::string& path);
  ~SocketWatch();
  SocketWatch(const SocketWatch&) = delete;
  SocketWatch& operator=(const SocketWatch&) = delete;
  // Forgets events seen so far: call before each connection attempt, so an
  // event arriving after a failed attempt is never lost.
  void Drain();
  // Returns "created" when the socket file was (re)created, "timeout" after
  // max_ms (a safety net only), "stopped" when `stop` was raised.
  enum class Event { kCreated, kTimeout, kStopped };
  Event Wait(const StopSignal& stop, int max_ms);

  // Between two connection attempts that found no daemon: a few quick retries
  // (20..320 ms) right after the socket reappeared, which covers the gap
  // between the daemon creating it and accepting on it; otherwise waits for the
  // socket to be (re)created (5 s at most). `quick` carries the retry count
  // between calls (0 after a good session). False when `stop` was raised.
  bool WaitToRetry(const StopSignal& stop, int& quick);

 private:
  bool ReadEvents();  // true when one names our file
  std::string name_;
  int fd_ = -1;
};

}  // namespace isthmus::agent
