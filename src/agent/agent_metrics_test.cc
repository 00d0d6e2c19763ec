#include "agent/agent_metrics.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "common/metrics.h"
#include "common/process.h"

namespace isthmus::agent {
namespace {

TEST(AgentMetricsTest, ServesPassesAndFlowsOnLoopback) {
  auto server = MetricsServer::Start("0");  // a bare port: loopback
  ASSERT_TRUE(server.ok()) << server.status().message();
  const auto start = std::chrono::steady_clock::now();
  RecordPass(true, start);
  RecordPass(false, start);
  RecordNamespacePass(true, start);
  RecordFlows("br-int", 42);
  RecordFlows("br-tun", 7);
  RecordRevision(5);
  httplib::Client c("127.0.0.1", (*server)->port());
  auto r = c.Get("/metrics");
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  for (const char* line : {"isthmus_agent_flows{bridge=\"br-int\"} 42\n", "isthmus_agent_flows{bridge=\"br-tun\"} 7\n",
                           "isthmus_agent_passes_total 2\n", "isthmus_agent_passes_failed_total 1\n",
                           "isthmus_agent_apply_seconds_count 1\n", "isthmus_agent_applied_revision 5\n",
                           "isthmus_agent_namespace_passes_total 1\n", "isthmus_agent_namespace_passes_failed_total 0\n",
                           "isthmus_agent_namespace_apply_seconds_count 1\n"})
    EXPECT_NE(r->body.find(line), std::string::npos) << line << " not in:\n" << r->body;
  // The scrape itself is counted by route.
  auto again = c.Get("/metrics");
  ASSERT_TRUE(again);
  EXPECT_NE(again->body.find(R"(isthmus_agent_http_requests_total{method="GET",route="/metrics",status="2xx"} 1)"),
            std::string::npos);
}

TEST(AgentMetricsTest, CountsProcessesStartedByProgramWithIpFromTheStart) {
  CountProcessesStarted();
  SystemRunner runner;
  ASSERT_TRUE(runner.Run({{"/bin/true"}, "", {}}).ok());
  ASSERT_TRUE(runner.Run({{"true"}, "", {}}).ok());
  SetProcessStartObserver(nullptr);
  std::string text = metrics::Exposition();
  EXPECT_NE(text.find("isthmus_agent_processes_started_total{program=\"ip\"} 0\n"), std::string::npos) << text;
  EXPECT_NE(text.find("isthmus_agent_processes_started_total{program=\"true\"} 2\n"), std::string::npos) << text;
}

TEST(AgentMetricsTest, BadListenAddressesAreRefused) {
  for (const char* bad : {"", "abc", "127.0.0.1:", ":9100", "127.0.0.1:70000", "127.0.0.1:91x"}) {
    auto server = MetricsServer::Start(bad);
    EXPECT_FALSE(server.ok()) << bad;
  }
}

}  // namespace
}  // namespace isthmus::agent
