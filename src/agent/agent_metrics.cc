#include "agent/agent_metrics.h"

#include "common/metrics.h"
#include "common/process.h"

namespace isthmus::agent {

namespace {

// `prefix`_apply_seconds, `prefix`_passes_total, `prefix`_passes_failed_total.
struct PassMetrics {
  PassMetrics(const std::string& prefix, const std::string& worker)
      : seconds(metrics::Histogram(prefix + "_apply_seconds", "Seconds a " + worker + " pass that succeeded took",
                                   metrics::SecondsBuckets())),
        passes(metrics::Counter(prefix + "_passes_total", "The " + worker + " passes run, applied or not")),
        failed(metrics::Counter(prefix + "_passes_failed_total",
                                "The " + worker + " passes that failed (retried with backoff; the data plane "
                                "keeps its last good programming)")) {}
  void Record(bool ok, std::chrono::steady_clock::time_point start) {
    passes.Increment();
    if (ok) seconds.Observe(metrics::SecondsSince(start));
    else failed.Increment();
  }
  prometheus::Histogram& seconds;
  prometheus::Counter& passes;
  prometheus::Counter& failed;
};

}  // namespace

void RecordPass(bool ok, std::chrono::steady_clock::time_point start) {
  static PassMetrics flow("isthmus_agent", "flow");
  flow.Record(ok, start);
}

void RecordNamespacePass(bool ok, std::chrono::steady_clock::time_point start) {
  static PassMetrics ns("isthmus_agent_namespace", "namespace");
  ns.Record(ok, start);
}

void RecordFlows(const std::string& bridge, size_t flows) {
  metrics::Gauge("isthmus_agent_flows", "OpenFlow flows the last applied pass installed, per bridge",
                 {{"bridge", bridge}})
      .Set(static_cast<double>(flows));
}

void RecordRevision(int64_t revision) {
  static auto& applied = metrics::Gauge("isthmus_agent_applied_revision", "The host state revision last applied");
  applied.Set(static_cast<double>(revision));
}

namespace {
prometheus::Counter& ProcessesStarted(const std::string& program) {
  return metrics::Counter("isthmus_agent_processes_started_total",
                          "Processes the agent started, by program (argv[0]'s name)", {{"program", program}});
}
}  // namespace

void CountProcessesStarted() {
  ProcessesStarted("ip");
  SetProcessStartObserver([](const std::string& program) { ProcessesStarted(program).Increment(); });
}

MetricsServer::MetricsServer() : server_(HttpServerOptions{.workers = 1}) {}

MetricsServer::~MetricsServer() {
  server_.Stop();
  if (thread_.joinable()) thread_.join();
}

Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(const std::string& listen) {
  std::string host = "127.0.0.1", port_text = listen;
  if (size_t colon = listen.rfind(':'); colon != std::string::npos) {
    host = listen.substr(0, colon);
    port_text = listen.substr(colon + 1);
  }
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(port_text, &used);
    if (used != port_text.size()) port = -1;
  } catch (...) {
  }
  if (host.empty() || port < 0 || port > 65535)
    return InvalidArgument("--metrics-listen must be PORT or ADDR:PORT, not '" + listen + "'");
  std::unique_ptr<MetricsServer> m(new MetricsServer());
  metrics::ServeMetrics(m->server_, "isthmus_agent", [](const HttpRequest&) { return Status::Ok(); });
  auto bound = m->server_.Bind(host, port);
  if (!bound.ok()) return bound.status();
  m->port_ = *bound;
  m->thread_ = std::thread([server = &m->server_] { server->Run(); });
  return m;
}

void CountStateAnswer(const std::string& kind) {
  metrics::Counter("isthmus_agent_state_answers_total", "States from the cloud: whole, deltas, deltas refused",
                   {{"kind", kind}})
      .Increment();
}

}  // namespace isthmus::agent
