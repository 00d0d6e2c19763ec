#include "agent/applied_reporter.h"

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

namespace isthmus::agent {
namespace {

// What the reporter sent, with a gate that holds the first call until opened.
struct FakeCloud {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int64_t> sent;
  bool open = true;
  int failures_left = 0;

  Status Send(int64_t revision) {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return open; });
    sent.push_back(revision);
    cv.notify_all();
    if (failures_left > 0) {
      failures_left--;
      return Unavailable("cloud down");
    }
    return Status::Ok();
  }
  // Waits (up to 10 s: a bound, not a measurement) until `pred` holds.
  template <typename Pred>
  bool WaitFor(Pred pred) {
    std::unique_lock<std::mutex> lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(10), pred);
  }
};

TEST(AppliedReporterTest, SendsEachRevisionOnceAndAcknowledges) {
  FakeCloud cloud;
  AppliedReporter reporter([&](int64_t r) { return cloud.Send(r); });
  reporter.Applied(3);
  ASSERT_TRUE(cloud.WaitFor([&] { return cloud.sent.size() == 1; }));
  for (int i = 0; i < 100 && reporter.acknowledged() != 3; i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(reporter.acknowledged(), 3);
  reporter.Applied(3);  // the same revision again: nothing new to say
  reporter.Applied(2);  // an older one: ignored
  reporter.Applied(5);
  ASSERT_TRUE(cloud.WaitFor([&] { return cloud.sent.size() == 2; }));
  EXPECT_EQ(cloud.sent, (std::vector<int64_t>{3, 5}));
}

TEST(AppliedReporterTest, OnlyTheNewestOfAQueueIsSent) {
  FakeCloud cloud;
  cloud.open = false;  // the first call blocks, as a slow cloud would
  AppliedReporter reporter([&](int64_t r) { return cloud.Send(r); });
  reporter.Applied(1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  reporter.Applied(2);
  reporter.Applied(3);
  reporter.Applied(4);
  {
    std::lock_guard<std::mutex> lock(cloud.mu);
    cloud.open = true;
  }
  cloud.cv.notify_all();
  ASSERT_TRUE(cloud.WaitFor([&] { return !cloud.sent.empty() && cloud.sent.back() == 4; }));
  // 1 (or 4 at once, had the thread not started before the queue filled), then 4: never 2 or 3.
  for (int64_t r : cloud.sent) EXPECT_TRUE(r == 1 || r == 4) << r;
}

TEST(AppliedReporterTest, RetriesARevisionTheCloudDidNotTake) {
  FakeCloud cloud;
  cloud.failures_left = 2;
  AppliedReporter reporter([&](int64_t r) { return cloud.Send(r); });
  reporter.Applied(7);
  ASSERT_TRUE(cloud.WaitFor([&] { return cloud.sent.size() == 3; }));
  EXPECT_EQ(cloud.sent, (std::vector<int64_t>{7, 7, 7}));
  for (int i = 0; i < 100 && reporter.acknowledged() != 7; i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(reporter.acknowledged(), 7);
}

TEST(AppliedReporterTest, StopsWhileACallIsWaitingToRetry) {
  FakeCloud cloud;
  cloud.failures_left = 1000;
  {
    AppliedReporter reporter([&](int64_t r) { return cloud.Send(r); });
    reporter.Applied(1);
    ASSERT_TRUE(cloud.WaitFor([&] { return !cloud.sent.empty(); }));
  }  // the destructor returns: the backoff wait ends on stop
  SUCCEED();
}

}  // namespace
}  // namespace isthmus::agent
