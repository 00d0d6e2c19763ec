// HttpSession against the project's own HttpServer: one kept-alive connection
// for many calls, a fresh one when the server closed the kept one, and
// answers given later (long-polls) on a kept connection.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "common/http.h"
#include "common/http_server.h"
#include "common/test_server.h"

namespace isthmus {
namespace {

class HttpSessionTest : public ServerFixture {
 protected:
  void Start(int idle_timeout_s) {
    HttpServerOptions options;
    options.timeout_s = idle_timeout_s;
    ServerFixture::Start(options);
  }
  void Routes(HttpServer& s) override {
    s.Get("/peer", [](const HttpRequest& req, httplib::Response& res) {
      WriteJson(res, 200, {{"port", req.remote_port}});
    });
    s.Post("/events", [](const HttpRequest& req, httplib::Response& res) {
      WriteJson(res, 200, {{"bytes", req.body.size()}, {"port", req.remote_port}});
    });
    s.GetAsync("/later", [](const HttpRequest& req, HttpServer::Reply reply) {
      int port = req.remote_port;
      // unchanged=304 / 204: a long-poll that saw no change, answered the old way or the kept-alive way.
      int unchanged = req.has_param("unchanged") ? std::stoi(req.get_param_value("unchanged")) : 0;
      std::thread([reply, port, unchanged] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        httplib::Response res;
        if (unchanged) res.status = unchanged;
        else WriteJson(res, 200, {{"port", port}});
        reply(std::move(res));
      }).detach();
    });
  }
  // The client port the server saw for one call through the session.
  int PeerPort(HttpSession& s, const std::string& method = "GET", const std::string& path = "/peer") {
    nlohmann::json body = {{"events", nlohmann::json::array()}};
    auto r = s.Call(method, path, method == "POST" ? &body : nullptr);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return -1;
    EXPECT_EQ(r->status, 200);
    return r->body.value("port", -1);
  }
};

TEST_F(HttpSessionTest, CallsShareOneConnection) {
  Start(10);
  HttpSession s(Endpoint{"127.0.0.1", port_}, 5000);
  int first = PeerPort(s);
  ASSERT_GT(first, 0);
  EXPECT_EQ(PeerPort(s, "POST", "/events"), first);
  EXPECT_EQ(PeerPort(s), first);
}

TEST_F(HttpSessionTest, AConnectionTheServerClosedIsReplacedWithoutAnError) {
  Start(1);  // the server closes a connection idle for 1 s
  HttpSession s(Endpoint{"127.0.0.1", port_}, 5000);
  int first = PeerPort(s);
  ASSERT_GT(first, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1600));
  int second = PeerPort(s, "POST", "/events");
  EXPECT_GT(second, 0);
  EXPECT_NE(second, first);
}

TEST_F(HttpSessionTest, AnswersGivenLaterArriveOnAKeptConnection) {
  Start(10);
  HttpSession s(Endpoint{"127.0.0.1", port_}, 5000);
  int first = PeerPort(s, "GET", "/later");
  ASSERT_GT(first, 0);
  for (int i = 0; i < 3; i++) EXPECT_EQ(PeerPort(s, "GET", "/later"), first);
  EXPECT_EQ(PeerPort(s), first);
}

// A 204 ends at its headers: the connection serves the next call at once.
TEST_F(HttpSessionTest, NoContentAnswersLeaveTheConnectionUsable) {
  Start(10);
  HttpSession s(Endpoint{"127.0.0.1", port_}, 5000);
  int first = PeerPort(s, "GET", "/later");
  ASSERT_GT(first, 0);
  for (int i = 0; i < 3; i++) {
    auto r = s.Call("GET", "/later?unchanged=204");
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->status, 204);
  }
  EXPECT_EQ(PeerPort(s, "GET", "/later"), first);
}

// Why agents ask for 204: cpp-httplib (0.11) reads a 304 without
// Content-Length until the connection closes, so on a kept connection it
// waits for the server's idle timeout (1 s here), and that connection is gone.
TEST_F(HttpSessionTest, ANotModifiedAnswerCostsTheKeptConnection) {
  Start(1);
  HttpSession s(Endpoint{"127.0.0.1", port_}, 5000);
  int first = PeerPort(s, "GET", "/later");
  ASSERT_GT(first, 0);
  auto r = s.Call("GET", "/later?unchanged=304");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 304);
  EXPECT_NE(PeerPort(s, "GET", "/later"), first);
}

TEST_F(HttpSessionTest, UnknownMethodsAreRefused) {
  Start(10);
  HttpSession s(Endpoint{"127.0.0.1", port_}, 5000);
  auto r = s.Call("PATCH", "/peer");
  EXPECT_FALSE(r.ok());
}

}  // namespace
}  // namespace isthmus
