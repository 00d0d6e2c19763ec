// Central's GET /metrics: who may scrape it, and the request and outbox series
// it shows after some calls, over a real HTTP server on loopback.
#include "central/central_metrics.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include "central/api_test_fixture.h"

namespace isthmus::central {
namespace {

class CentralMetricsTest : public CentralApiTest {
 protected:
  CentralMetricsTest() : CentralApiTest("metrics") {}

  // {status, body} of GET /metrics as token's caller.
  std::pair<int, std::string> Scrape(const std::string& token) {
    httplib::Client c("127.0.0.1", port_);
    httplib::Headers h;
    if (!token.empty()) h.emplace("X-Auth-Token", token);
    auto r = c.Get("/metrics", h);
    if (!r) return {0, ""};
    return {r->status, r->body};
  }
  // The value of a series (name{labels} exactly as exposed), -1 when absent.
  static double Sample(const std::string& text, const std::string& series) {
    size_t at = text.find("\n" + series + " ");
    return at == std::string::npos ? -1 : std::stod(text.substr(at + series.size() + 2));
  }
};

TEST_F(CentralMetricsTest, AdminsScrapeRequestsByRouteAndTheOutbox) {
  const std::string creates = R"(isthmus_central_http_requests_total{method="POST",route="/v2.0/networks",status="2xx"})";
  const std::string shows = R"(isthmus_central_http_requests_total{method="GET",route="/v2.0/networks/{id}",status="2xx"})";
  auto [code, before] = Scrape(admin_);
  ASSERT_EQ(code, 200) << before;
  const double creates_before = std::max(0.0, Sample(before, creates));
  const double shows_before = std::max(0.0, Sample(before, shows));
  std::string id = Network(admin_, "a");
  Network(admin_, "b");
  ASSERT_EQ(Call(admin_, "GET", "/v2.0/networks/" + id).first, 200);

  auto [code2, text] = Scrape(admin_);
  ASSERT_EQ(code2, 200);
  EXPECT_EQ(Sample(text, creates), creates_before + 2) << text;
  EXPECT_EQ(Sample(text, shows), shows_before + 1);
  EXPECT_GE(Sample(text, R"(isthmus_central_http_request_duration_seconds_count{method="POST",route="/v2.0/networks"})"),
            2);
  // Label values are route templates, never the ids clients send.
  EXPECT_EQ(text.find(id), std::string::npos);
  // Cloud c1 is unreachable (its endpoint is port 1): both networks wait in its outbox.
  EXPECT_GE(Sample(text, R"(isthmus_central_outbox_pending{cloud="c1"})"), 2) << text;
  EXPECT_GE(Sample(text, R"(isthmus_central_events_pushed_total{cloud="c1"})"), 0);
  EXPECT_NE(text.find("# TYPE isthmus_central_push_failures_total counter"), std::string::npos);
}

TEST_F(CentralMetricsTest, MembersAndAnonymousCallersMayNotScrape) {
  EXPECT_EQ(Scrape(demo_).first, 403);
  EXPECT_EQ(Scrape("").first, 401);
  EXPECT_EQ(Scrape("not-a-token").first, 401);
}

TEST_F(CentralMetricsTest, ADeletedCloudsOutboxSeriesGoAway) {
  ASSERT_EQ(Call(admin_, "POST", "/v2.0/clouds", {{"cloud", {{"name", "c9"}, {"endpoint", "http://127.0.0.1:1"}}}}).first,
            201);
  EXPECT_GE(Sample(Scrape(admin_).second, R"(isthmus_central_outbox_pending{cloud="c9"})"), 0);
  ASSERT_EQ(Call(admin_, "DELETE", "/v2.0/clouds/c9").first, 204);
  EXPECT_EQ(Sample(Scrape(admin_).second, R"(isthmus_central_outbox_pending{cloud="c9"})"), -1);
}

}  // namespace
}  // namespace isthmus::central
