#include "common/http_server.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "common/http.h"
#include "common/process.h"

namespace isthmus {
namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  void Start(HttpServerOptions options = {}) {
    server_ = std::make_unique<HttpServer>(options);
    Routes(*server_);
    auto port = server_->Bind("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.status().message();
    port_ = *port;
    thread_ = std::thread([this] { server_->Run(); });
  }
  void TearDown() override {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }
  virtual void Routes(HttpServer& s) {
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

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
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
      WriteJson(res, 200, {{"peer", req.peer}, {"secure", req.secure}});
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

}  // namespace
}  // namespace isthmus
