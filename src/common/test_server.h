// Tests' HttpServer: bound to 127.0.0.1 on a free port, run on a thread of
// its own, stopped and joined when the fixture ends.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "common/http_server.h"

namespace isthmus {

class ServerFixture : public ::testing::Test {
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
  virtual void Routes(HttpServer& s) = 0;

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  int port_ = 0;
};

}  // namespace isthmus
