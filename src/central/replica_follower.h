// Keeps a replica of central coherent with the others on one PostgreSQL
// (docs/architecture.md, "Replicas"): a thread LISTENs on the channel every
// commit notifies and, on each notification and at least every second (a
// missed notification is recovered from the changes log), catches the cache
// up, wakes the pushers and starts a pusher for any cloud made elsewhere.
#pragma once

#include <atomic>
#include <memory>
#include <thread>

#include "central/pusher.h"
#include "central/service.h"

namespace isthmus::central {

class ReplicaFollower {
 public:
  ReplicaFollower(Service& service, Pusher& pusher) : service_(service), pusher_(pusher) {}
  ~ReplicaFollower() { Stop(); }
  // Nothing to follow on SQLite: Ok without a thread.
  Status Start();
  void Stop();

 private:
  void Run();
  Service& service_;
  Pusher& pusher_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace isthmus::central
