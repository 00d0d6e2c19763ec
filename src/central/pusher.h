// Delivers central's outbox to the clouds: one thread per cloud sends its
// pending events in order (batches of up to 500) to
// POST {endpoint}/v1/federation/events and records what the cloud acknowledged.
// Event-driven: it sleeps until a commit queues events; while a cloud is
// unreachable it retries with backoff (50 ms doubling to 2 s). Nothing is lost:
// events stay in the DB until acknowledged, across restarts of either side.
// Each event is a job (central_db.h): RUNNING while sent, SUCCESS once
// acknowledged, FAIL (attempts, last_error) when a send failed.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "central/service.h"

namespace isthmus::central {

class Pusher {
 public:
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
