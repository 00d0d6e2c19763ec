// The agent's side of the cloud <-> agent protocol (docs/architecture.md,
// "Cloud <-> agent"): host registration and the long-poll watch of HostState.
#pragma once

#include <optional>
#include <string>

#include "common/http.h"
#include "model/resources.h"
#include "state/host_state.h"

namespace isthmus::agent {

class CloudClient {
 public:
  explicit CloudClient(Endpoint cloud) : cloud_(std::move(cloud)) {}

  Result<model::Host> Register(const std::string& name, const std::string& role,
                               const std::string& vtep_ip);
  // Returns the host's state once its revision exceeds `after`, or nullopt when
  // wait_s passed without a change. NotFound means the cloud forgot the host.
  // `applied`: the revision this agent runs (0: none yet); the call is the
  // host's contact with its cloud (docs/architecture.md, "Port status and agent liveness").
  Result<std::optional<state::HostState>> WaitState(const std::string& host, int64_t after,
                                                    int wait_s, int64_t applied = 0);
  // Tells the cloud the agent applied its state at `revision` (its ports go ACTIVE).
  Status ReportApplied(const std::string& host, int64_t revision);

 private:
  Endpoint cloud_;
};

}  // namespace isthmus::agent
