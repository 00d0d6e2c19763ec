// The agent's Prometheus metrics (docs/architecture.md, "Metrics"): each pass's
// time and outcome, the flows installed per bridge, and the optional plain-HTTP
// server (--metrics-listen) that serves them on GET /metrics.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "common/http_server.h"
#include "common/status.h"

namespace isthmus::agent {

// A pass of the flow worker (bridges, tunnels, flows) / of the namespace
// worker (routers' and DHCP servers' namespaces) ended (agent.h).
void RecordPass(bool ok, std::chrono::steady_clock::time_point start);
void RecordNamespacePass(bool ok, std::chrono::steady_clock::time_point start);
// A pass installed revision `revision`, leaving `flows` flows on `bridge`.
void RecordFlows(const std::string& bridge, size_t flows);
void RecordRevision(int64_t revision);
// Counts every process the agent starts from now on, by program ("ip",
// "ovs-ofctl": process.h's observer). The `ip` series is there from the start:
// its 0 is the answer to issue 12 (no `ip` process on the hot path).
void CountProcessesStarted();

// The cloud answered a long-poll with a state: "full", "delta" (merged), or a
// delta "refused" (it did not give the cloud's state; the whole one was asked).
void CountStateAnswer(const std::string& kind);

// GET /metrics over plain HTTP on a thread of its own, until destroyed.
class MetricsServer {
 public:
  // "PORT" (loopback) or "ADDR:PORT"; port 0 picks a free one.
  [[nodiscard]] static Result<std::unique_ptr<MetricsServer>> Start(const std::string& listen);
  ~MetricsServer();
  int port() const { return port_; }

 private:
  MetricsServer();
  HttpServer server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace isthmus::agent
