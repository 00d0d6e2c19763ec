#include "cloud/state_watchers.h"

#include <vector>

namespace isthmus::cloud {

StateWatchers::StateWatchers() : expirer_([this] { Expire(); }) {}

StateWatchers::~StateWatchers() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  expirer_.join();
  for (auto& [deadline, w] : by_deadline_) w.done(std::nullopt);
}

void StateWatchers::Add(const std::string& host, int64_t after, state::DeltaMode mode, Clock::time_point deadline,
                        Done done) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stop_) {
      bool earliest = by_deadline_.empty() || deadline < by_deadline_.begin()->first;
      auto w = by_deadline_.emplace(deadline, Watcher{after, mode, std::move(done), {}});
      w->second.in_host = by_host_.emplace(host, w);
      if (earliest) cv_.notify_all();
      return;
    }
  }
  done(std::nullopt);
}

void StateWatchers::Publish(const std::string& host, int64_t revision, const Answer& answer) {
  struct Woken {
    int64_t after;
    state::DeltaMode mode;
    Done done;
  };
  std::vector<Woken> woken;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [first, last] = by_host_.equal_range(host);
    for (auto it = first; it != last;) {
      ByDeadline::iterator w = it->second;
      if (w->second.after < revision) {
        woken.push_back({w->second.after, w->second.mode, std::move(w->second.done)});
        by_deadline_.erase(w);
        it = by_host_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& w : woken) w.done(answer(w.after, w.mode));
}

size_t StateWatchers::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return by_deadline_.size();
}

void StateWatchers::Expire() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    if (by_deadline_.empty()) {
      cv_.wait(lock);
      continue;
    }
    auto next = by_deadline_.begin()->first;
    if (Clock::now() < next) {
      cv_.wait_until(lock, next);
      continue;
    }
    std::vector<Done> expired;
    auto now = Clock::now();
    while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
      expired.push_back(std::move(by_deadline_.begin()->second.done));
      by_host_.erase(by_deadline_.begin()->second.in_host);
      by_deadline_.erase(by_deadline_.begin());
    }
    lock.unlock();
    for (auto& done : expired) done(std::nullopt);
    lock.lock();
  }
}

}  // namespace isthmus::cloud
