#include "agent/applied_reporter.h"

#include <algorithm>
#include <chrono>

#include "common/log.h"

namespace isthmus::agent {

AppliedReporter::AppliedReporter(Send send) : send_(std::move(send)), thread_([this] { Run(); }) {}

AppliedReporter::~AppliedReporter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void AppliedReporter::Applied(int64_t revision) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (revision <= wanted_) return;
    wanted_ = revision;
  }
  cv_.notify_all();
}

int64_t AppliedReporter::acknowledged() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acknowledged_;
}

void AppliedReporter::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  int backoff_ms = 100;
  while (true) {
    cv_.wait(lock, [&] { return stop_ || wanted_ > acknowledged_; });
    if (stop_) return;
    const int64_t revision = wanted_;
    lock.unlock();
    Status st = send_(revision);
    lock.lock();
    if (st.ok()) {
      acknowledged_ = std::max(acknowledged_, revision);
      backoff_ms = 100;
      continue;
    }
    LOG_WARN("telling the cloud revision " << revision << " is applied: " << st.message() << "; retrying in "
                                           << backoff_ms << " ms");
    // Retried after a pause, or at once for a newer revision.
    cv_.wait_for(lock, std::chrono::milliseconds(backoff_ms), [&] { return stop_ || wanted_ > revision; });
    backoff_ms = std::min(backoff_ms * 2, 5000);
  }
}

}  // namespace isthmus::agent
