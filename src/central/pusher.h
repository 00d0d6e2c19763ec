// Delivers central's outbox to the clouds: one thread per cloud sends its
// pending events in order (batches of up to 500) to
// POST {endpoint}/v1/federation/events and records what the cloud acknowledged.
// Event-driven: it sleeps until a commit queues events; while a cloud is
// unreachable it retries with backoff (50 ms doubling to 2 s). Nothing is lost:
// events stay in the DB until acknowledged, across restarts of either side.
// Each event is a job (central_db.h): RUNNING while sent, SUCCESS once
// acknowledged, FAIL (attempts, last_error) when a send failed or the cloud did
// not apply it. A cloud behind what central acknowledged (a restored or lost
// DB), or holding events central never sent, is resynced with a snapshot
// (snapshot.cc). docs/architecture.md, "Central -> cloud: events". With
// replicas of central on one PostgreSQL, a cloud's thread pushes only while
// its replica holds the cloud's lease (push_lease.h).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "central/service.h"

namespace isthmus::central {

// What a cloud's answer to a batch with cloud_seqs [first, last] means.
// `reply` is the call's outcome (a 409 names the cloud's gap), applied the
// applied_seq it answered (nullopt if none). Only seqs <= applied and <= last
// are acknowledged; every other event of the batch fails with a reason.
struct PushVerdict {
  int64_t ack = 0;         // acknowledge up to this cloud_seq (0: nothing)
  int64_t fail_first = 0;  // jobs [fail_first, last] fail with error (0: none)
  std::string error;
  bool resync = false;     // queue a snapshot above `applied`
  int64_t applied = 0;
};
PushVerdict JudgeReply(const std::string& cloud, int64_t first, int64_t last, const Status& reply,
                       std::optional<int64_t> applied);

class Pusher {
 public:
  // How often a replica that does not push a cloud tries to take its lease.
  static constexpr int kLeaseRetryMs = 250;
  explicit Pusher(Service& service) : service_(service) {}
  ~Pusher() { Stop(); }
  // Starts a thread for every cloud not served yet (call after clouds change).
  void Refresh();
  void Stop();

 private:
  void Run(const std::string& cloud);
  Service& service_;
  std::mutex mu_;
  std::map<std::string, std::thread> threads_;
  std::set<std::string> finished_;  // clouds whose thread has ended (the cloud was deleted)
};

}  // namespace isthmus::central
