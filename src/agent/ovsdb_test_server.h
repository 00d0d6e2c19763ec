// Tests' ovsdb-server: a real one with Open vSwitch's schema in a temporary
// directory (no root, no ovs-vswitchd), `ovs-vsctl` to read and write it, and
// an optional stand-in for vswitchd's part of the next_cfg/cur_cfg handshake.
// Skips the test when Open vSwitch is not installed.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "agent/jsonrpc_socket.h"
#include "common/process.h"

namespace isthmus::agent {

class OvsdbServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    namespace fs = std::filesystem;
    if (!fs::exists(kSchema) || access("/usr/sbin/ovsdb-server", X_OK) != 0)
      GTEST_SKIP() << "Open vSwitch is not installed";
    char tmpl[] = "/tmp/isthmus-ovsdb.XXXXXX";
    dir_ = mkdtemp(tmpl);
    sock_ = dir_ + "/db.sock";
    ASSERT_TRUE(runner_.Check({{"ovsdb-tool", "create", dir_ + "/conf.db", kSchema}}).ok());
    StartServer();
    ASSERT_TRUE(Vsctl({"--no-wait", "init"}).ok());
  }
  void TearDown() override {
    if (dir_.empty()) return;
    StopFakeVswitchd();
    StopServer();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // ovsdb-server on the directory's database (kept across a stop and a start).
  void StartServer() {
    ASSERT_TRUE(runner_.Check({{"ovsdb-server", dir_ + "/conf.db", "--remote=punix:" + sock_,
                                "--pidfile=" + dir_ + "/pid", "--unixctl=" + dir_ + "/ctl", "--detach",
                                "--log-file=" + dir_ + "/log"}})
                    .ok());
  }
  void StopServer() {
    using namespace std::chrono_literals;
    (void)runner_.Run({{"ovs-appctl", "-t", dir_ + "/ctl", "exit"}});
    // ovsdb-server removes its pid file as it exits, after answering.
    for (int i = 0; i < 200 && std::filesystem::exists(dir_ + "/pid"); ++i) std::this_thread::sleep_for(10ms);
  }

  Result<std::string> Vsctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"ovs-vsctl", "--db=unix:" + sock_, "--timeout=5"});
    auto out = runner_.Check({args});
    if (!out.ok()) return out.status();
    std::string s = *out;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  std::string Get(std::vector<std::string> args) {
    args.insert(args.begin(), "get");
    auto r = Vsctl(args);
    return r.ok() ? *r : "ERROR " + r.status().message();
  }
  // One `transact` of `ops` on the Open_vSwitch database; its result.
  Result<nlohmann::json> Transact(nlohmann::json ops) {
    auto socket = JsonRpcSocket::Connect(sock_, "test");
    if (!socket.ok()) return socket.status();
    ops.insert(ops.begin(), "Open_vSwitch");
    return socket->Call("transact", ops, std::chrono::steady_clock::now() + std::chrono::seconds(5));
  }

  // Plays ovs-vswitchd's part of the handshake: cur_cfg follows next_cfg.
  void StartFakeVswitchd() {
    fake_ = std::thread([this] {
      using namespace std::chrono_literals;
      auto socket = JsonRpcSocket::Connect(sock_, "test");
      if (!socket.ok()) return;
      while (!stop_fake_) {
        auto deadline = std::chrono::steady_clock::now() + 2s;
        auto r = socket->Call("transact",
                              {"Open_vSwitch",
                               {{"op", "select"},
                                {"table", "Open_vSwitch"},
                                {"where", nlohmann::json::array()},
                                {"columns", {"next_cfg", "cur_cfg"}}}},
                              deadline);
        if (r.ok() && !(*r)[0]["rows"].empty()) {
          auto row = (*r)[0]["rows"][0];
          if (row["cur_cfg"] != row["next_cfg"])
            (void)socket->Call("transact",
                               {"Open_vSwitch",
                                {{"op", "update"},
                                 {"table", "Open_vSwitch"},
                                 {"where", nlohmann::json::array()},
                                 {"row", {{"cur_cfg", row["next_cfg"]}}}}},
                               deadline);
        }
        std::this_thread::sleep_for(5ms);
      }
    });
  }
  void StopFakeVswitchd() {
    stop_fake_ = true;
    if (fake_.joinable()) fake_.join();
  }

  static constexpr char kSchema[] = "/usr/share/openvswitch/vswitch.ovsschema";
  SystemRunner runner_{10000};
  std::string dir_, sock_;
  std::thread fake_;
  std::atomic<bool> stop_fake_{false};
};

}  // namespace isthmus::agent
