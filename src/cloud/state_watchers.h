// Agents waiting for their host's next desired state (long-polls), without a
// thread each: a watcher is a callback with a deadline. The controller hands a
// host's new state to the watchers it wakes; one thread answers the ones whose
// deadline passed with "nothing new". Thread-safe; callbacks run without the
// watchers' lock held.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "state/state_delta.h"

namespace isthmus::cloud {

class StateWatchers {
 public:
  using Clock = std::chrono::steady_clock;
  // The answer's text, or nullopt when the deadline passed (or on shutdown).
  using Done = std::function<void(std::optional<std::string>)>;
  // The answer to a watcher of a new state (the whole state, or a delta from
  // `after` when it asked for one): Publish's caller writes it.
  using Answer = std::function<std::string(int64_t after, state::DeltaMode mode)>;

  StateWatchers();
  ~StateWatchers();  // answers every watcher with nullopt

  // `mode`: whether the watcher takes a delta from `after`, and how it checks it (state_delta.h).
  void Add(const std::string& host, int64_t after, state::DeltaMode mode, Clock::time_point deadline, Done done);
  // Wakes the host's watchers that have not seen `revision` yet with what
  // `answer` writes for each (called on this thread, without the lock).
  void Publish(const std::string& host, int64_t revision, const Answer& answer);
  size_t size();

 private:
  struct Watcher;
  using ByDeadline = std::multimap<Clock::time_point, Watcher>;
  using ByHost = std::multimap<std::string, ByDeadline::iterator>;
  struct Watcher {
    int64_t after;
    state::DeltaMode mode;
    Done done;
    ByHost::iterator in_host;  // its entry in by_host_
  };
  void Expire();

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  // Every watcher once, by deadline; and the same by host, so a Publish costs
  // O(log watchers + the host's watchers), not a scan of every long-poll.
  ByDeadline by_deadline_;
  ByHost by_host_;
  std::thread expirer_;
};

}  // namespace isthmus::cloud
