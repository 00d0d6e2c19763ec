// The scale harness's bookkeeping: which simulated hosts each stream event must
// reach (the hosts of the port's network, by the harness's own model) and when
// each of them first held a HostState showing it (the port's MAC present after
// a create, absent after a delete); every new revision an agent receives, and
// whether it was spurious (its HostState equal to the previous one but for the
// revision). Thread-safe: agents report from their loops.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench/scale/agents.h"

namespace isthmus::bench {

struct EventResult {
  double latency_ms = -1;  // 201 -> last expected host holding it; -1: never complete
  int expected = 0;        // hosts that had to change
  int woken = 0;           // new revisions received while it was the newest event sent
};

class Tracker {
 public:
  explicit Tracker(int hosts) : hosts_(hosts) {}
  // Called before the request is sent; returns the event's number.
  int Begin(const std::string& mac, bool create, int network, std::vector<int> expected_hosts);
  // Host h no longer holds the network (its last port there was deleted): the
  // creates on that network it was still expected to show may never reach it
  // (the cloud computed both changes at once), so it is not waited for.
  void HostLeft(int host, int network);
  void Answered(int event, Clock::time_point t);  // the 201 / 204
  void Observe(int host, int64_t revision, std::string_view body, Clock::time_point t);
  // Counting of wake-ups per event starts (the steady stream) and stops.
  void SetStreaming(bool on);
  int incomplete() const;
  // The first few incomplete events: MAC, create/delete, hosts still waited for.
  std::string DescribeIncomplete(int max) const;
  std::vector<std::pair<std::string, int>> IncompletePairs(int max) const;  // (quoted MAC, host)
  std::vector<EventResult> Results() const;
  long spurious() const;
  long revisions() const;  // every new revision received (first states excluded)
  long stream_wakes() const;

 private:
  struct Event {
    std::string mac;
    bool create = true;
    int network = 0;
    int remaining = 0;
    int expected = 0;
    int woken = 0;
    Clock::time_point answered{}, last{};
    bool has_answer = false;
  };
  struct Host {
    bool seen = false;
    size_t hash = 0;
    std::vector<int> pending;  // events still expected to show at this host
  };
  mutable std::mutex mu_;
  std::vector<Host> hosts_;
  std::vector<Event> events_;
  bool streaming_ = false;
  long spurious_ = 0, revisions_ = 0, stream_wakes_ = 0;
};

}  // namespace isthmus::bench
