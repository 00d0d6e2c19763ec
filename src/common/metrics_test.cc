#include "common/metrics.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <thread>

#include "common/http.h"

namespace isthmus::metrics {
namespace {

// The value of the series `line_start` (name and labels exactly as exposed) in
// `text`, or -1 when it is not there.
double Sample(const std::string& text, const std::string& line_start) {
  size_t at = 0;
  while ((at = text.find(line_start + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stod(text.substr(at + line_start.size() + 1));
    ++at;
  }
  return -1;
}

TEST(MetricsTest, RouteLabelsReplaceCaptureGroups) {
  EXPECT_EQ(RouteLabel(R"(/v2.0/ports/([^/]+))"), "/v2.0/ports/{id}");
  EXPECT_EQ(RouteLabel(R"(/v2.0/clouds/([^/]+)/hosts/([^/]+))"), "/v2.0/clouds/{id}/hosts/{id}");
  EXPECT_EQ(RouteLabel(R"(/a/((x|y)\)z)/b)"), "/a/{id}/b");
  EXPECT_EQ(RouteLabel("/v2.0/networks"), "/v2.0/networks");
  EXPECT_EQ(StatusClass(201), "2xx");
  EXPECT_EQ(StatusClass(404), "4xx");
  EXPECT_EQ(StatusClass(-1), "other");
}

TEST(MetricsTest, CountersGaugesAndHistogramsAreExposed) {
  Counter("isthmus_test_things_total", "things", {{"kind", "a"}}).Increment(3);
  Gauge("isthmus_test_level", "level").Set(7);
  Histogram("isthmus_test_seconds", "seconds", SecondsBuckets()).Observe(0.003);
  // The same name and labels are the same series.
  Counter("isthmus_test_things_total", "things", {{"kind", "a"}}).Increment();
  std::string text = Exposition();
  EXPECT_EQ(Sample(text, R"(isthmus_test_things_total{kind="a"})"), 4);
  EXPECT_EQ(Sample(text, "isthmus_test_level"), 7);
  EXPECT_EQ(Sample(text, "isthmus_test_seconds_count"), 1);
  EXPECT_EQ(Sample(text, R"(isthmus_test_seconds_bucket{le="0.005"})"), 1);
  EXPECT_EQ(Sample(text, R"(isthmus_test_seconds_bucket{le="0.0025"})"), 0);
  EXPECT_NE(text.find("# TYPE isthmus_test_seconds histogram"), std::string::npos);
}

// A server with ObserveHttp counts each answer by route template, method and
// status class, whoever answers (handler, 404, 405, an async reply).
TEST(MetricsTest, ServerRequestsAreCountedByRouteTemplate) {
  HttpServer server;
  ServeMetrics(server, "isthmus_mtest", [](const HttpRequest& req) {
    return req.has_header("X-Scrape") ? Status::Ok() : Status(Code::kForbidden, "no");
  });
  server.Get(R"(/items/([^/]+))", [](const HttpRequest&, httplib::Response& res) { WriteJson(res, 200, {}); });
  server.Post("/items", [](const HttpRequest&, httplib::Response& res) { WriteJson(res, 201, {}); });
  server.GetAsync("/later", [](const HttpRequest&, HttpServer::Reply reply) {
    httplib::Response res;
    res.status = 304;
    std::thread([reply, res] { reply(res); }).detach();
  });
  auto port = server.Bind("127.0.0.1", 0);
  ASSERT_TRUE(port.ok());
  std::thread run([&] { server.Run(); });
  httplib::Client c("127.0.0.1", *port);
  for (const char* id : {"a", "b", "c"}) ASSERT_EQ(c.Get(std::string("/items/") + id)->status, 200);
  ASSERT_EQ(c.Post("/items", "{}", "application/json")->status, 201);
  ASSERT_EQ(c.Delete("/items/a")->status, 405);
  ASSERT_EQ(c.Get("/nowhere/at/all")->status, 404);
  ASSERT_EQ(c.Get("/later")->status, 304);
  ASSERT_EQ(c.Get("/metrics")->status, 403);  // may_scrape refused it
  auto scraped = c.Get("/metrics", {{"X-Scrape", "1"}});
  server.Stop();
  run.join();
  ASSERT_TRUE(scraped);
  ASSERT_EQ(scraped->status, 200);
  EXPECT_EQ(scraped->get_header_value("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = scraped->body;
  EXPECT_EQ(Sample(text, R"(isthmus_mtest_http_requests_total{method="GET",route="/items/{id}",status="2xx"})"), 3);
  EXPECT_EQ(Sample(text, R"(isthmus_mtest_http_requests_total{method="POST",route="/items",status="2xx"})"), 1);
  EXPECT_EQ(Sample(text, R"(isthmus_mtest_http_requests_total{method="DELETE",route="/items/{id}",status="4xx"})"), 1);
  EXPECT_EQ(Sample(text, R"(isthmus_mtest_http_requests_total{method="GET",route="none",status="4xx"})"), 1);
  EXPECT_EQ(Sample(text, R"(isthmus_mtest_http_requests_total{method="GET",route="/later",status="3xx"})"), 1);
  EXPECT_EQ(Sample(text, R"(isthmus_mtest_http_requests_total{method="GET",route="/metrics",status="4xx"})"), 1);
  EXPECT_EQ(Sample(text, R"(isthmus_mtest_http_request_duration_seconds_count{method="GET",route="/items/{id}"})"), 3);
  // No raw path became a label value.
  EXPECT_EQ(text.find("/items/a"), std::string::npos);
  EXPECT_EQ(text.find("nowhere"), std::string::npos);
}

}  // namespace
}  // namespace isthmus::metrics
