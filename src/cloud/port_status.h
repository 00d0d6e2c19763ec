// What a cloud tells central about its data plane (docs/architecture.md,
// "Port status and agent liveness"): each host's last contact (alive or not,
// against the agent down time) and the revision its agent applied, hence each
// port's status (ACTIVE once a live host applied a state that wires it), and
// the batch of changes due to central. Not thread-safe (the controller locks).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "state/host_state.h"

namespace isthmus::cloud {

struct StatusOptions {
  // A host with no contact for this long is dead (Neutron's agent_down_time).
  std::chrono::milliseconds agent_down_time{75000};
};

// The ports a host's state wires (plugs or instantiates): its VIFs and DHCP
// ports, its routers' legs and gateways, its floating IP gateways.
std::set<std::string> WiredPorts(const state::HostState& s);

// A moment on both clocks: steady for liveness, wall for what is shown.
struct StatusClock {
  std::chrono::steady_clock::time_point steady;
  int64_t unix_seconds = 0;
  static StatusClock Now();
};

// One batch for central: PUT /v2.0/clouds/{cloud}/status (`body`), and what it
// carries, to acknowledge.
struct StatusReport {
  nlohmann::json body;
  std::map<std::string, std::pair<std::string, std::string>> ports;  // id -> (status, host)
  std::map<std::string, bool> hosts;                                   // host -> alive sent
};

class PortStatusTracker {
 public:
  PortStatusTracker(std::string cloud, StatusOptions options, StatusClock start);

  // A host registered here (at load: unknown until it makes contact or the down time passes).
  void AddHost(const std::string& host);
  // Its agent registered (it started): contact, and nothing applied yet.
  void Started(const std::string& host, StatusClock now);
  // A long-poll or an applied report from the host's agent; applied: the revision it runs.
  void Contact(const std::string& host, std::optional<int64_t> applied, StatusClock now);
  // The host's state at `revision` wires these ports (ports new to it count from there).
  void SetWired(const std::string& host, const std::set<std::string>& ports, int64_t revision);
  // One port wired (or no longer) by the host's state at `revision` (a state patched, not computed).
  void SetWired(const std::string& host, const std::string& port, bool wired, int64_t revision);
  // A port central pushed (nullptr: deleted). This cloud reports the ports that live in it.
  void SetPort(const std::string& id, const nlohmann::json* body);
  // Hosts whose last contact is older than the down time die.
  void Tick(StatusClock now);
  // The next batch (at most max_ports ports), or nullopt when nothing is due.
  std::optional<StatusReport> TakeReport(StatusClock now, size_t max_ports = 1000);
  // Central took it: what it carried is no longer pending (unless changed since).
  void Acknowledge(const StatusReport& report, StatusClock now);

  // The heartbeat interval to central: a third of the down time, at most 30 s.
  std::chrono::milliseconds heartbeat_interval() const;
  // The longest a long-poll may wait: a quarter of the down time (at least 1 s).
  int max_wait_seconds() const;
  // For tests and the dump: "ACTIVE", "DOWN", or "" (not reported yet).
  std::string Status(const std::string& port);
  std::optional<bool> Alive(const std::string& host) const;
  bool HasPending() const { return !pending_.empty(); }

 private:
  enum class Liveness { kUnknown, kAlive, kDead };
  struct Host {
    Liveness liveness = Liveness::kUnknown;
    std::chrono::steady_clock::time_point last_contact;
    int64_t contact_unix = 0, started_unix = 0;
    std::optional<int64_t> applied;
    std::map<std::string, int64_t> wired;  // port -> revision that first wired it
    std::optional<bool> alive_sent;        // what central last acknowledged
    std::chrono::steady_clock::time_point heartbeat_sent;
  };
  struct Owned {
    bool always_active = false;  // a distributed router interface: ACTIVE once its cloud holds it
  };
  void Touch(Host& h, const std::string& name, StatusClock now);
  void MarkPorts(const Host& h);
  void Flush();  // evaluates the dirty ports into pending_
  // (status, host), or nullopt while a host wiring it is still unknown.
  std::optional<std::pair<std::string, std::string>> Evaluate(const std::string& port);

  std::string cloud_;
  StatusOptions options_;
  StatusClock start_;
  std::map<std::string, Host> hosts_;
  std::map<std::string, std::set<std::string>> wired_by_;  // port -> hosts
  std::map<std::string, Owned> owned_;
  std::set<std::string> dirty_;
  std::map<std::string, std::pair<std::string, std::string>> decided_;  // last decided (status, host)
  std::map<std::string, std::pair<std::string, std::string>> pending_;  // not yet acknowledged
};

}  // namespace isthmus::cloud
