#include "common/http_server.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "common/http.h"
#include "common/process.h"
#include "common/test_server.h"

namespace isthmus {
namespace {

class HttpServerTest : public ServerFixture {
 protected:
  void Routes(HttpServer& s) override {
    s.Get(R"(/echo/([^/]+))", [](const HttpRequest& req, httplib::Response& res) {
      WriteJson(res, 200, {{"id", req.matches[1].str()}, {"q", req.get_param_value("q")},
                           {"n", req.get_param_value_count("f")}});
    });
    s.Post("/body", [](const HttpRequest& req, httplib::Response& res) {
      WriteJson(res, 201, {{"bytes", req.body.size()}});
    });
    s.Get("/throw", [](const HttpRequest&, httplib::Response&) { throw std::runtime_error("boom"); });
    s.GetAsync("/later", [this](const HttpRequest&, HttpServer::Reply reply) {
      std::thread([this, reply] {
        std::this_thread::sleep_for(std::chrono::milliseconds(later_ms_));
        httplib::Response res;
        WriteJson(res, 200, {{"later", true}});
        reply(std::move(res));
      }).detach();
    });
  }
  Result<HttpReply> Call(const std::string& method, const std::string& path,
                         const nlohmann::json* body = nullptr) {
    return HttpCall(Endpoint{"127.0.0.1", port_}, method, path, body, 10000);
  }

  int later_ms_ = 100;
};

TEST_F(HttpServerTest, RoutesDecodePathAndParams) {
  Start();
  auto r = Call("GET", "/echo/a%20b?q=x%20y%26z&f=1&f=2");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body["id"], "a b");
  EXPECT_EQ(r->body["q"], "x y&z");
  EXPECT_EQ(r->body["n"], 2);
}

TEST_F(HttpServerTest, UnknownPathWrongMethodAndExceptionsAreNeutronErrors) {
  Start();
  auto r = Call("GET", "/nope");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 404);
  EXPECT_EQ(r->body["NeutronError"]["type"], "NotFound");
  r = Call("DELETE", "/body");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 405);
  r = Call("GET", "/throw");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body["NeutronError"]["message"], "boom");
}

// Routes are tried by their fixed start before their regex: patterns whose
// start is "." (any character), optional, or an alternative still match.
class HttpServerRoutingTest : public HttpServerTest {
 protected:
  void Routes(HttpServer& s) override {
    auto named = [](const std::string& name) {
      return [name](const HttpRequest&, httplib::Response& res) { WriteJson(res, 200, {{"route", name}}); };
    };
    s.Get("/v2.0/ports", named("ports"));
    s.Get("/ab?c", named("optional"));
    s.Get("/x|/y", named("alternative"));
    s.Get(R"(/v2\.0/nets/([^/]+))", named("escaped"));
  }
};

TEST_F(HttpServerRoutingTest, FixedStartsKeepEveryMatch) {
  Start();
  for (const auto& [path, route] : std::vector<std::pair<std::string, std::string>>{
           {"/v2.0/ports", "ports"}, {"/v2x0/ports", "ports"}, {"/ac", "optional"}, {"/abc", "optional"},
           {"/x", "alternative"}, {"/y", "alternative"}, {"/v2.0/nets/n1", "escaped"}}) {
    auto r = Call("GET", path);
    ASSERT_TRUE(r.ok()) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->body["route"], route) << path;
  }
  for (const std::string path : {"/v2.0/port", "/v2.0/portsx", "/a", "/v2x0/nets/n1", "/z"}) {
    auto r = Call("GET", path);
    ASSERT_TRUE(r.ok()) << path;
    EXPECT_EQ(r->status, 404) << path;
  }
}

TEST_F(HttpServerTest, BodiesOverTheCapAreRefusedBeforeAnyHandler) {
  HttpServerOptions o;
  o.max_body_bytes = 1000;
  Start(o);
  nlohmann::json small = {{"x", std::string(100, 'a')}};
  auto r = Call("POST", "/body", &small);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 201);
  nlohmann::json big = {{"x", std::string(5000, 'a')}};
  r = Call("POST", "/body", &big);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 413);
}

// A long-poll outlives the inactivity timeout: it is a pending answer, not an idle client.
TEST_F(HttpServerTest, AsyncAnswerLaterThanTheInactivityTimeoutArrives) {
  HttpServerOptions o;
  o.timeout_s = 1;
  later_ms_ = 2500;
  Start(o);
  auto r = Call("GET", "/later");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body["later"], true);
}

// An answer given after the server stopped is dropped, not a crash.
TEST_F(HttpServerTest, AnswerAfterStopIsDropped) {
  later_ms_ = 300;
  Start();
  std::thread caller([this] { (void)Call("GET", "/later"); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the request is pending
  server_->Stop();
  thread_.join();
  caller.join();
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // the late answer comes and goes
}

// Mutual TLS: the peer identity is the client certificate's common name; a
// client without a certificate does not get past the handshake.
class HttpServerTlsTest : public HttpServerTest {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/isthmus-tls-test.XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    SystemRunner run;
    auto openssl = [&](std::vector<std::string> args) {
      args.insert(args.begin(), "openssl");
      auto out = run.Check(Command{args});
      ASSERT_TRUE(out.ok()) << out.status().message();
    };
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
             dir_ + "/ca.key", "-out", dir_ + "/ca.crt", "-days", "2", "-subj", "/CN=test CA"});
    std::string ext = dir_ + "/ext";
    FILE* f = fopen(ext.c_str(), "w");
    fputs("extendedKeyUsage = serverAuth, clientAuth\nsubjectAltName = IP:127.0.0.1\n", f);
    fclose(f);
    for (const auto& [file, cn] : {std::pair<std::string, std::string>{"server", "cloud\\/c1"},
                                   {"client", "host\\/c1\\/h1"}}) {
      openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
               dir_ + "/" + file + ".key", "-out", dir_ + "/" + file + ".csr", "-subj", "/CN=" + cn});
      chmod((dir_ + "/" + file + ".key").c_str(), 0600);
      openssl({"x509", "-req", "-in", dir_ + "/" + file + ".csr", "-CA", dir_ + "/ca.crt", "-CAkey",
               dir_ + "/ca.key", "-CAcreateserial", "-days", "2", "-extfile", ext, "-out",
               dir_ + "/" + file + ".crt"});
    }
  }
  void TearDown() override {
    HttpServerTest::TearDown();
    ASSERT_TRUE(SetClientTls({}).ok());
    std::system(("rm -rf " + dir_).c_str());
  }
  void Routes(HttpServer& s) override {
    s.Get("/who", [](const HttpRequest& req, httplib::Response& res) {
      WriteJson(res, 200, {{"peer", req.peer}, {"secure", req.secure}, {"port", req.remote_port}});
    });
    // A long-poll's shape: answered later, from another thread.
    s.GetAsync("/later", [](const HttpRequest& req, HttpServer::Reply reply) {
      std::thread([reply, port = req.remote_port] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        httplib::Response res;
        WriteJson(res, 200, {{"port", port}});
        reply(std::move(res));
      }).detach();
    });
    // A streamed body of n pieces of 1 KiB over TLS.
    s.Get("/stream", [](const HttpRequest& req, httplib::Response& res) {
      const int n = std::atoi(req.get_param_value("n").c_str());
      auto piece = std::make_shared<int>(0);
      res.status = 200;
      res.set_chunked_content_provider("application/json", [n, piece](size_t, httplib::DataSink& sink) {
        const std::string text(1024, static_cast<char>('a' + *piece % 26));
        sink.write(text.data(), text.size());
        if (++*piece == n) sink.done();
        return true;
      });
    });
  }
  TlsFiles Files(const std::string& who) {
    return {dir_ + "/ca.crt", dir_ + "/" + who + ".crt", dir_ + "/" + who + ".key"};
  }
  std::string dir_;
};

TEST_F(HttpServerTlsTest, PeerIsTheClientCertificatesName) {
  HttpServerOptions o;
  o.tls = TlsServerConfig{Files("server"), true};
  Start(o);
  ASSERT_TRUE(SetClientTls(Files("client")).ok());
  auto r = HttpCall(Endpoint{"127.0.0.1", port_, true}, "GET", "/who");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->body["peer"], "host/c1/h1");
  EXPECT_EQ(r->body["secure"], true);
}

// Over TLS, ending the reply right after writing the last piece lost bodies
// (one call in a few hundred read "Read": the connection closed before the
// body); the server now ends it once the last piece left.
TEST_F(HttpServerTlsTest, StreamedBodiesArriveWhole) {
  HttpServerOptions o;
  o.tls = TlsServerConfig{Files("server"), true};
  Start(o);
  ASSERT_TRUE(SetClientTls(Files("client")).ok());
  for (int i = 0; i < 300; ++i) {
    const int n = 1 + i % 5;
    auto r = HttpCall(Endpoint{"127.0.0.1", port_, true}, "GET", "/stream?n=" + std::to_string(n));
    ASSERT_TRUE(r.ok()) << "call " << i << ": " << r.status().message();
    ASSERT_EQ(r->raw.size(), static_cast<size_t>(n) * 1024) << "call " << i;
  }
}

// Agents long-poll and central pushes over kept-alive TLS connections
// (HttpSession): answers given later, and plain ones, on the same connection.
TEST_F(HttpServerTlsTest, ASessionKeepsOneConnectionForAnswersGivenLater) {
  HttpServerOptions o;
  o.tls = TlsServerConfig{Files("server"), true};
  Start(o);
  ASSERT_TRUE(SetClientTls(Files("client")).ok());
  HttpSession session(Endpoint{"127.0.0.1", port_, true}, 5000);
  std::vector<int> ports;
  for (const char* path : {"/later", "/later", "/who", "/later"}) {
    auto r = session.Call("GET", path);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->status, 200);
    ports.push_back(r->body.value("port", -1));
  }
  EXPECT_GT(ports[0], 0);
  for (int p : ports) EXPECT_EQ(p, ports[0]);
}

TEST_F(HttpServerTlsTest, NoClientCertificateNoAnswer) {
  HttpServerOptions o;
  o.tls = TlsServerConfig{Files("server"), true};
  Start(o);
  httplib::SSLClient cli("127.0.0.1", port_);
  cli.set_ca_cert_path((dir_ + "/ca.crt").c_str());
  cli.enable_server_certificate_verification(true);
  auto r = cli.Get("/who");
  EXPECT_FALSE(r) << "answered " << r->status;
}

TEST_F(HttpServerTlsTest, KeyReadableByOthersIsRefused) {
  chmod((dir_ + "/server.key").c_str(), 0644);
  HttpServerOptions o;
  o.tls = TlsServerConfig{Files("server"), true};
  server_ = std::make_unique<HttpServer>(o);
  auto port = server_->Bind("127.0.0.1", 0);
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.status().message().find("chmod 600"), std::string::npos) << port.status().message();
}

// Streamed bodies (Response::set_chunked_content_provider): pieces made one at
// a time on a worker, the next only once the previous left the connection.
class HttpServerStreamTest : public HttpServerTest {
 protected:
  void Routes(HttpServer& s) override {
    // /stream?n=N&kib=K&fail_at=F: N pieces of K KiB ('a' + piece number), or
    // the provider fails at piece F.
    s.Get("/stream", [this](const HttpRequest& req, httplib::Response& res) {
      const int n = std::atoi(req.get_param_value("n").c_str());
      const size_t kib = std::strtoul(req.get_param_value("kib").c_str(), nullptr, 10);
      const int fail_at = req.has_param("fail_at") ? std::atoi(req.get_param_value("fail_at").c_str()) : -1;
      auto piece = std::make_shared<int>(0);
      res.status = 200;
      res.set_chunked_content_provider(
          "application/json",
          [this, n, kib, fail_at, piece](size_t, httplib::DataSink& sink) {
            ++made_;
            if (*piece == fail_at) return false;
            const std::string text(kib * 1024, static_cast<char>('a' + *piece % 26));
            sink.write(text.data(), text.size());
            if (++*piece == n) sink.done();
            return true;
          },
          [this](bool success) { released_ = success ? 1 : 2; });
    });
  }
  // Polls until `made_` stops growing (unchanged for 300 ms), within 10 s.
  int SettledMade() {
    int last = -1;
    auto stable_since = std::chrono::steady_clock::now();
    auto deadline = stable_since + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      int now = made_;
      if (now != last) last = now, stable_since = std::chrono::steady_clock::now();
      else if (std::chrono::steady_clock::now() - stable_since > std::chrono::milliseconds(300)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return last;
  }
  bool WaitReleased(int want) {
    for (int i = 0; i < 500 && released_ != want; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return released_ == want;
  }
  // A client that sends the request and then reads only `read_bytes`.
  int SlowClient(const std::string& path, size_t read_bytes) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int small = 16 * 1024;  // a small receive window, so the server's buffers fill quickly
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string request = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    EXPECT_EQ(send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
    std::string buf(read_bytes, '\0');
    size_t got = 0;
    while (got < read_bytes) {
      ssize_t r = recv(fd, buf.data() + got, read_bytes - got, 0);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    EXPECT_EQ(got, read_bytes);
    return fd;
  }
  std::atomic<int> made_{0};
  std::atomic<int> released_{0};  // 1: the whole body was sent, 2: cut short
};

TEST_F(HttpServerStreamTest, BodyArrivesWholeInPieces) {
  Start();
  auto r = Call("GET", "/stream?n=40&kib=64");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->status, 200);
  ASSERT_EQ(r->raw.size(), 40u * 64 * 1024);
  for (int i = 0; i < 40; ++i) EXPECT_EQ(r->raw[static_cast<size_t>(i) * 64 * 1024], 'a' + i % 26) << i;
  EXPECT_EQ(made_, 40);
  EXPECT_TRUE(WaitReleased(1));
  // The connection serves the next request (keep-alive after a chunked body).
  EXPECT_TRUE(Call("GET", "/echo/x").ok());
}

TEST_F(HttpServerStreamTest, ManySmallBodiesArriveWhole) {
  Start();
  for (int i = 0; i < 300; ++i) {
    const int n = 1 + i % 5;
    auto r = Call("GET", "/stream?n=" + std::to_string(n) + "&kib=1");
    ASSERT_TRUE(r.ok()) << "call " << i << ": " << r.status().message();
    ASSERT_EQ(r->raw.size(), static_cast<size_t>(n) * 1024) << "call " << i;
  }
}

TEST_F(HttpServerStreamTest, SlowReaderHoldsOnlyAFewPieces) {
  Start();
  // 128 pieces of 1 MiB; the client reads 64 KiB and stops: without flow
  // control every piece would be made and queued (128 MiB).
  int fd = SlowClient("/stream?n=128&kib=1024", 64 * 1024);
  int made = SettledMade();
  EXPECT_GE(made, 1);
  EXPECT_LE(made, 16) << "pieces made for a client that read 64 KiB";
  close(fd);  // gone mid-body: the stream is freed, its releaser told
  EXPECT_TRUE(WaitReleased(2));
  EXPECT_LE(made_, made + 1);
}

TEST_F(HttpServerStreamTest, ServerStopsWhileABodyIsBeingSent) {
  Start();
  int fd = SlowClient("/stream?n=128&kib=1024", 1024);
  SettledMade();
  server_->Stop();
  thread_.join();
  server_.reset();  // frees the unfinished stream (checked under the sanitizers)
  EXPECT_EQ(released_, 2);
  close(fd);
}

TEST_F(HttpServerStreamTest, ProviderFailureCutsTheBodyShort) {
  Start();
  auto r = Call("GET", "/stream?n=10&kib=4&fail_at=3");
  // The connection closes before the last chunk: the client sees no whole answer.
  EXPECT_FALSE(r.ok() && r->status == 200 && r->raw.size() == 10u * 4 * 1024);
  EXPECT_TRUE(WaitReleased(2));
}

}  // namespace
}  // namespace isthmus
