#include "bench/scale/tracker.h"

#include <functional>
#include <unordered_set>

namespace isthmus::bench {
namespace {

// A hash of the HostState's text without the digits of its revision.
size_t HashWithoutRevision(std::string_view body) {
  static constexpr std::string_view kKey = "\"revision\":";
  std::hash<std::string_view> h;
  size_t at = body.find(kKey);
  if (at == std::string_view::npos) return h(body);
  size_t end = at + kKey.size();
  while (end < body.size() && (body[end] == '-' || (body[end] >= '0' && body[end] <= '9'))) ++end;
  return h(body.substr(0, at)) * 1000003u ^ h(body.substr(end));
}

// The MACs a HostState's text names (every value of a "mac" key, with its
// quotes): found once per revision, not once per event the host awaits (a
// backlog of events made the harness scan each state dozens of times).
std::unordered_set<std::string_view> Macs(std::string_view body) {
  static constexpr std::string_view kKey = "\"mac\":";
  std::unordered_set<std::string_view> out;
  for (size_t at = body.find(kKey); at != std::string_view::npos; at = body.find(kKey, at + kKey.size())) {
    size_t begin = at + kKey.size(), end = body.find('"', begin + 1);
    if (end == std::string_view::npos) break;
    out.insert(body.substr(begin, end + 1 - begin));
  }
  return out;
}

}  // namespace

int Tracker::Begin(const std::string& mac, bool create, int network, std::vector<int> expected_hosts) {
  std::lock_guard lock(mu_);
  int id = static_cast<int>(events_.size());
  Event e;
  e.mac = "\"" + mac + "\"";
  e.create = create;
  e.network = network;
  e.expected = e.remaining = static_cast<int>(expected_hosts.size());
  events_.push_back(e);
  for (int h : expected_hosts) hosts_[h].pending.push_back(id);
  return id;
}

void Tracker::HostLeft(int host, int network) {
  std::lock_guard lock(mu_);
  auto& pending = hosts_[host].pending;
  for (size_t i = 0; i < pending.size();) {
    Event& e = events_[pending[i]];
    if (e.create && e.network == network) {
      --e.remaining;
      pending[i] = pending.back();
      pending.pop_back();
    } else {
      ++i;
    }
  }
}

void Tracker::Answered(int event, Clock::time_point t) {
  std::lock_guard lock(mu_);
  events_[event].answered = t;
  events_[event].has_answer = true;
}

void Tracker::Observe(int host, int64_t, std::string_view body, Clock::time_point t) {
  size_t hash = HashWithoutRevision(body);
  std::unordered_set<std::string_view> macs;
  bool scanned = false;
  std::lock_guard lock(mu_);
  Host& h = hosts_[host];
  if (h.seen) {
    ++revisions_;
    if (hash == h.hash) ++spurious_;
    if (streaming_) {
      ++stream_wakes_;
      if (!events_.empty()) ++events_.back().woken;
    }
  }
  h.seen = true;
  h.hash = hash;
  for (size_t i = 0; i < h.pending.size();) {
    Event& e = events_[h.pending[i]];
    if (!scanned) macs = Macs(body), scanned = true;
    if ((macs.count(e.mac) > 0) == e.create) {
      e.last = std::max(e.last, t);
      --e.remaining;
      h.pending[i] = h.pending.back();
      h.pending.pop_back();
    } else {
      ++i;
    }
  }
}

void Tracker::SetStreaming(bool on) {
  std::lock_guard lock(mu_);
  streaming_ = on;
}

int Tracker::incomplete() const {
  std::lock_guard lock(mu_);
  int n = 0;
  for (const auto& e : events_) n += e.remaining > 0 || !e.has_answer;
  return n;
}

std::string Tracker::DescribeIncomplete(int max) const {
  std::lock_guard lock(mu_);
  std::string out;
  for (size_t id = 0; id < events_.size() && max > 0; ++id) {
    const Event& e = events_[id];
    if (e.remaining == 0 && e.has_answer) continue;
    --max;
    out += "  event " + std::to_string(id) + (e.create ? " create " : " delete ") + e.mac +
           (e.has_answer ? "" : " (no answer)") + ", waiting for hosts";
    for (size_t h = 0; h < hosts_.size(); ++h)
      for (int p : hosts_[h].pending)
        if (p == static_cast<int>(id)) out += " " + std::to_string(h);
    out += "\n";
  }
  return out;
}

std::vector<std::pair<std::string, int>> Tracker::IncompletePairs(int max) const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, int>> out;
  for (size_t h = 0; h < hosts_.size(); ++h)
    for (int p : hosts_[h].pending)
      if (static_cast<int>(out.size()) < max) out.push_back({events_[p].mac, static_cast<int>(h)});
  return out;
}

std::vector<EventResult> Tracker::Results() const {
  std::lock_guard lock(mu_);
  std::vector<EventResult> out;
  for (const auto& e : events_) {
    EventResult r;
    r.expected = e.expected;
    r.woken = e.woken;
    if (e.remaining == 0 && e.has_answer)
      r.latency_ms = e.expected == 0 ? 0
                                     : std::max(0.0, std::chrono::duration<double, std::milli>(
                                                         e.last - e.answered).count());
    out.push_back(r);
  }
  return out;
}

long Tracker::spurious() const {
  std::lock_guard lock(mu_);
  return spurious_;
}
long Tracker::revisions() const {
  std::lock_guard lock(mu_);
  return revisions_;
}
long Tracker::stream_wakes() const {
  std::lock_guard lock(mu_);
  return stream_wakes_;
}

}  // namespace isthmus::bench
