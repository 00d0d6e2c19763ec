// Tells the cloud, from a thread of its own, the newest revision the agent
// applied (its ports go ACTIVE), so the reconcile loop never waits on an HTTP
// call: a pass that follows another at once (a state, then the VIF's
// iface-id) starts without a TLS handshake in between. Only the newest
// revision is sent; one the cloud did not take is sent again after a pause
// (100 ms, doubling up to 5 s) or at once when a newer one comes.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "common/status.h"

namespace isthmus::agent {

class AppliedReporter {
 public:
  using Send = std::function<Status(int64_t revision)>;
  explicit AppliedReporter(Send send);
  ~AppliedReporter();  // stops: what is not sent yet is dropped
  AppliedReporter(const AppliedReporter&) = delete;
  AppliedReporter& operator=(const AppliedReporter&) = delete;

  // Queues `revision` (a newer one replaces an older one not sent yet).
  void Applied(int64_t revision);
  // The newest revision the cloud acknowledged (0 = none yet).
  int64_t acknowledged() const;

 private:
  void Run();

  Send send_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t wanted_ = 0;        // the newest revision applied
  int64_t acknowledged_ = 0;  // the newest the cloud took
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace isthmus::agent
