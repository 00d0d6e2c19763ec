// The agent's side of the cloud <-> agent protocol (docs/architecture.md,
// "Cloud <-> agent"): host registration and the long-poll watch of HostState.
#pragma once

#include <optional>
#include <string>

#include "common/http.h"
#include "model/resources.h"
#include "state/host_state.h"
#include "state/state_delta.h"

namespace isthmus::agent {

class CloudClient {
 public:
  explicit CloudClient(Endpoint cloud) : cloud_(cloud), watch_(cloud, 30000), report_(cloud, 5000) {}

  // The answers this client took: whole states, deltas, and deltas refused.
  struct Counts {
    long full = 0, delta = 0, refused = 0;
  };
  const Counts& counts() const { return counts_; }

  Result<model::Host> Register(const std::string& name, const std::string& role,
                               const std::string& vtep_ip);
  // Returns the host's state once its revision exceeds `after`, or nullopt when
  // wait_s passed without a change. NotFound means the cloud forgot the host.
  // `applied`: the revision this agent runs (0: none yet); the call is the
  // host's contact with its cloud (docs/architecture.md, "Port status and agent liveness").
  // When `after` is the revision of the last state it returned, it asks for a
  // delta and merges it onto that state; a delta that does not give the
  // cloud's state (its SHA-256) is dropped and the whole state asked for.
  // One thread at a time (the watch's connection is kept for the next call).
  Result<std::optional<state::HostState>> WaitState(const std::string& host, int64_t after,
                                                    int wait_s, int64_t applied = 0);
  // Tells the cloud the agent applied its state at `revision` (its ports go
  // ACTIVE). One thread at a time; may run beside WaitState.
  Status ReportApplied(const std::string& host, int64_t revision);

 private:
  Endpoint cloud_;
  // Kept-alive connections (a TLS handshake once, not per call): the watch's
  // (the agent's watch thread only) and the applied reports' (its reporter
  // thread only). Both requests are idempotent.
  HttpSession watch_;
  HttpSession report_;
  state::HeldState held_;  // the last state returned, to merge deltas onto
  Counts counts_;
};

}  // namespace isthmus::agent
