// A cloud controller's metrics: applying batches counts events, and each
// recompute records its hosts, the hosts it woke and its time.
#include "cloud/cloud_metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "cloud/controller.h"
#include "common/metrics.h"

namespace isthmus::cloud {
namespace {

using nlohmann::json;

// The value of a series (name{labels} exactly as exposed), 0 when absent.
double Sample(const std::string& series) {
  std::string text = metrics::Exposition();
  size_t at = text.find("\n" + series + " ");
  return at == std::string::npos ? 0 : std::stod(text.substr(at + series.size() + 2));
}

json CloudEvent(int64_t seq) {
  return {{"seq", seq}, {"kind", "cloud"}, {"op", "upsert"}, {"id", "cloud1"},
          {"body", {{"name", "cloud1"}, {"endpoint", "http://127.0.0.1:1"}, {"index", 1},
                    {"dvr_mac_prefix", "fa:16:3f:01"}}}};
}

json NetEvent(int64_t seq, const std::string& id) {
  return {{"seq", seq}, {"kind", "network"}, {"op", "upsert"}, {"id", id},
          {"body", {{"id", id}, {"clouds", {"cloud1"}}, {"segmentation_id", 1000}}}};
}

TEST(CloudMetrics, BatchesAndRecomputesAreCounted) {
  std::string db = "/tmp/isthmus_cloud_metrics_test_" + std::to_string(getpid()) + ".db";
  unlink(db.c_str());
  auto c = std::move(*Controller::Create("cloud1", db, {}));
  const double applied = Sample("isthmus_cloud_events_applied_total");
  const double recomputes = Sample("isthmus_cloud_recompute_seconds_count");
  const double hosts = Sample("isthmus_cloud_recompute_hosts_sum");
  const double woken = Sample("isthmus_cloud_hosts_woken_total");

  ASSERT_TRUE(c->ApplyEvents({{"events", {CloudEvent(1)}}}).ok());
  for (const auto& [h, vtep] : {std::pair{"h1", "10.255.0.11"}, std::pair{"h2", "10.255.0.12"}})
    ASSERT_TRUE(c->RegisterHost({{"host", {{"name", h}, {"role", "compute"}, {"vtep_ip", vtep}}}}).ok());
  ASSERT_TRUE(c->ApplyEvents({{"events", {NetEvent(2, "n1"), NetEvent(3, "n2")}}}).ok());
  ASSERT_TRUE(c->ApplyEvents({{"events", {NetEvent(3, "n2")}}}).ok());  // redelivered: nothing applied

  EXPECT_EQ(Sample("isthmus_cloud_events_applied_total"), applied + 3);
  EXPECT_EQ(Sample("isthmus_cloud_applied_seq"), 3);
  // Recomputes: the first batch (0 hosts), each registration (1 host each: the
  // new one; h2 adds its DVR MAC to h1's state without computing it), the
  // second batch (0 hosts: networks with no port on them are read by no host).
  EXPECT_EQ(Sample("isthmus_cloud_recompute_seconds_count"), recomputes + 4);
  EXPECT_EQ(Sample("isthmus_cloud_recompute_hosts_sum"), hosts + 0 + 1 + 1 + 0);
  // Each registration wakes its own host (a first state); h2's also h1 (it trusts h2's DVR MAC).
  EXPECT_EQ(Sample("isthmus_cloud_hosts_woken_total"), woken + 3);
  c.reset();
  unlink(db.c_str());
}

json PortEvent(int64_t seq, const std::string& id, const std::string& net, const std::string& host, int n) {
  std::string mac = "fa:16:3e:00:00:0" + std::to_string(n);
  return {{"seq", seq}, {"kind", "port"}, {"op", "upsert"}, {"id", id},
          {"body", {{"id", id}, {"network_id", net}, {"mac_address", mac}, {"device_owner", "compute:nova"},
                    {"host", host}, {"cloud", "cloud1"},
                    {"fixed_ips", {{{"subnet_id", "s-" + net}, {"ip_address", "10.0.0." + std::to_string(n)}}}}}}};
}

// docs/architecture.md, "Incremental recompute": a port on n1 is read by the
// hosts with n1 only; the other host is neither computed nor woken.
TEST(CloudMetrics, AnEventRecomputesOnlyTheHostsItCanChange) {
  std::string db = "/tmp/isthmus_cloud_metrics_test_" + std::to_string(getpid()) + "_only.db";
  unlink(db.c_str());
  auto c = std::move(*Controller::Create("cloud1", db, {}));
  ASSERT_TRUE(c->ApplyEvents({{"events", {CloudEvent(1)}}}).ok());
  for (const auto& [h, vtep] : {std::pair{"h1", "10.255.0.11"}, std::pair{"h2", "10.255.0.12"}})
    ASSERT_TRUE(c->RegisterHost({{"host", {{"name", h}, {"role", "compute"}, {"vtep_ip", vtep}}}}).ok());
  ASSERT_TRUE(c->ApplyEvents({{"events", {NetEvent(2, "n1"), NetEvent(3, "n2"), PortEvent(4, "p1", "n1", "h1", 1),
                                          PortEvent(5, "p2", "n2", "h2", 2)}}}).ok());
  json before = c->Dump()["hosts"];
  const double hosts = Sample("isthmus_cloud_recompute_hosts_sum");
  const double woken = Sample("isthmus_cloud_hosts_woken_total");
  const double patched = Sample("isthmus_cloud_hosts_patched_total");

  // A second port of h1 on n1: h1's text is patched (its networks stay), h2 is not touched.
  ASSERT_TRUE(c->ApplyEvents({{"events", {PortEvent(6, "p3", "n1", "h1", 3)}}}).ok());
  json after = c->Dump()["hosts"];
  EXPECT_GT(after["h1"]["revision"].get<int64_t>(), before["h1"]["revision"].get<int64_t>());
  EXPECT_EQ(after["h2"]["revision"], before["h2"]["revision"]);
  EXPECT_EQ(Sample("isthmus_cloud_recompute_hosts_sum"), hosts);
  EXPECT_EQ(Sample("isthmus_cloud_hosts_patched_total"), patched + 1);
  EXPECT_EQ(Sample("isthmus_cloud_hosts_woken_total"), woken + 1);
  c.reset();
  unlink(db.c_str());
}

}  // namespace
}  // namespace isthmus::cloud
