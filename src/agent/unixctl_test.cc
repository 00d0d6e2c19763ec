#include "agent/unixctl.h"

#include "agent/json_stream.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace isthmus::agent {
namespace {

// A control socket in a temporary directory, answering each connection with `reply(request)` in two writes.
class FakeDaemon {
 public:
  explicit FakeDaemon(std::function<std::string(const nlohmann::json&)> reply) {
    char tmpl[] = "/tmp/isthmus-unixctl.XXXXXX";
    dir_ = mkdtemp(tmpl);
    path_ = dir_ + "/ovs-vswitchd.4242.ctl";
    std::ofstream(dir_ + "/ovs-vswitchd.pid") << "4242\n";
    fd_ = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    EXPECT_EQ(listen(fd_, 4), 0);
    thread_ = std::thread([this, reply] {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string in;
      char buf[4096];
      JsonStreamSplitter stream;
      while (!stream.Next(&in)) {
        ssize_t n = read(c, buf, sizeof(buf));
        if (n <= 0) return close(c), void();
        stream.Feed(std::string(buf, static_cast<size_t>(n)));
      }
      std::string out = reply(nlohmann::json::parse(in));
      if (!out.empty()) {
        size_t half = out.size() / 2;
        (void)!write(c, out.data(), half);
        std::this_thread::yield();
        (void)!write(c, out.data() + half, out.size() - half);
      }
      char drain;
      while (read(c, &drain, 1) > 0) {  // until the client closes
      }
      close(c);
    });
  }
  ~FakeDaemon() {
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
    std::system(("rm -rf " + dir_).c_str());
  }
  const std::string& dir() const { return dir_; }
  const std::string& path() const { return path_; }

 private:
  std::string dir_, path_;
  int fd_ = -1;
  std::thread thread_;
};

TEST(UnixctlTest, ACommandsOutputComesBackAsOvsAppctlPrintsIt) {
  nlohmann::json seen;
  FakeDaemon d([&](const nlohmann::json& req) {
    seen = req;
    return nlohmann::json{{"id", req["id"]}, {"result", "tcp,orig=(src=10.0.0.1,dst=10.0.0.2),zone=5\n"}, {"error", nullptr}}
        .dump();
  });
  auto path = UnixctlPath(d.dir());
  ASSERT_TRUE(path.ok()) << path.status().message();
  EXPECT_EQ(*path, d.path()) << "the pid file names the socket";
  auto out = UnixctlCall(*path, "dpctl/dump-conntrack", {"zone=5"}, std::chrono::milliseconds(5000));
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "tcp,orig=(src=10.0.0.1,dst=10.0.0.2),zone=5\n");
  EXPECT_EQ(seen["method"], "dpctl/dump-conntrack");
  EXPECT_EQ(seen["params"], nlohmann::json::array({"zone=5"}));
}

TEST(UnixctlTest, TheDaemonsErrorIsTheStatusMessage) {
  FakeDaemon d([](const nlohmann::json& req) {
    return nlohmann::json{{"id", req["id"]}, {"result", nullptr}, {"error", "\"bogus\" is not a valid command"}}.dump();
  });
  auto out = UnixctlCall(d.path(), "bogus", {}, std::chrono::milliseconds(5000));
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("\"bogus\" is not a valid command"), std::string::npos) << out.status().message();
}

TEST(UnixctlTest, NoDaemonOrNoAnswerIsUnavailable) {
  EXPECT_EQ(UnixctlPath("/nonexistent-rundir").status().code(), Code::kUnavailable);
  EXPECT_EQ(UnixctlCall("/nonexistent-rundir/x.ctl", "version", {}, std::chrono::milliseconds(100)).status().code(),
            Code::kUnavailable);
  FakeDaemon silent([](const nlohmann::json&) { return std::string(); });
  auto out = UnixctlCall(silent.path(), "version", {}, std::chrono::milliseconds(100));
  EXPECT_EQ(out.status().code(), Code::kUnavailable);
  EXPECT_NE(out.status().message().find("timed out"), std::string::npos) << out.status().message();
}

}  // namespace
}  // namespace isthmus::agent
