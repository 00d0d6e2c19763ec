// Simulated agents for the scale harness: per host, a mutual-TLS client with
// that host's own certificate that registers the host (POST /v1/hosts) and then
// keeps a long-poll of its HostState open (GET /v1/hosts/H/state?after=R&wait=S,
// with delta=1 from its second state on, merging each delta onto the state it
// holds and checking its digest as an agent does), reporting every new
// revision to an observer. Event-driven: a few libevent
// loops multiplex every connection (never a thread per agent).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/scale/pki.h"

struct event_base;
struct evhttp_connection;
struct ssl_ctx_st;

namespace isthmus::bench {

using Clock = std::chrono::steady_clock;

struct SimHost {
  std::string name;
  std::string cloud;
  int port = 0;  // its cloud's
  std::string vtep_ip;
  KeyAndCert tls;  // identity host/CLOUD/NAME
};

// Called on an agent loop's thread, for each answer with a new revision:
// (host index, revision, the HostState's JSON text (merged, revision 0, after
// a delta), when it was received).
using StateObserver = std::function<void(int, int64_t, std::string_view, Clock::time_point)>;

class SimulatedAgents {
 public:
  SimulatedAgents(std::vector<SimHost> hosts, x509_st* ca, int loops, StateObserver observer);
  ~SimulatedAgents();
  // Registers every host (at most `in_flight` registrations per loop at once,
  // 503s retried); true when all did before the deadline.
  bool RegisterAll(int in_flight, Clock::duration timeout);
  // Opens every host's long-poll (reconnecting when a connection fails).
  void StartWatching(int wait_s);
  int registered() const { return registered_.load(); }
  int watching() const { return watching_.load(); }  // hosts that received a first state
  long errors() const { return errors_.load(); }
  // Answers taken: whole states, deltas merged, deltas refused (state/state_delta.h).
  long full_answers() const { return full_.load(); }
  long delta_answers() const { return delta_.load(); }
  long refused_deltas() const { return refused_.load(); }
  const std::vector<SimHost>& hosts() const { return hosts_; }

 private:
  struct Agent;
  struct Loop;
  void Request(Agent& a, const char* method, const std::string& path, const std::string& body,
               void (*done)(Agent&, int, std::string_view));
  void NextRegistration(Loop& loop);
  void Poll(Agent& a);
  static void OnRegistered(Agent& a, int code, std::string_view body);
  static void OnState(Agent& a, int code, std::string_view body);
  static void Retry(Agent& a, void (*again)(Agent&), int delay_ms);

  std::vector<SimHost> hosts_;
  std::vector<std::unique_ptr<Agent>> agents_;
  std::vector<std::unique_ptr<Loop>> loops_;
  ssl_ctx_st* ctx_ = nullptr;
  StateObserver observer_;
  int wait_s_ = 50;
  std::atomic<int> registered_{0}, watching_{0};
  std::atomic<long> errors_{0}, full_{0}, delta_{0}, refused_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace isthmus::bench
