// A central on a real HTTP server on loopback with authentication on, for the
// API tests: a fresh store, users admin/a (admin), demo/d and other/o (members
// of their own projects), their tokens, and calls as any of them.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>

#include "central/api.h"
#include "central/identity.h"
#include "central/test_db.h"
#include "central/test_http.h"
#include "central/test_identity.h"
#include "central/token_store.h"
#include "common/http_server.h"

namespace isthmus::central {

class CentralApiTest : public ::testing::Test {
 protected:
  explicit CentralApiTest(const std::string& tag) : db_(tag) {}

  void SetUp() override {
    path_ = db_.location();
    s_ = std::move(*Service::Create(path_, {1000, 1999}));
    using nlohmann::json;
    auto id = Identity::FromJson(
        {{"projects", {{{"name", "admin"}}, {{"name", "demo"}}, {{"name", "other"}}}},
         {"users",
          {{{"name", "admin"}, {"password_hash", TestHash("a")}, {"project", "admin"}, {"roles", {"admin"}}},
           {{"name", "demo"}, {"password_hash", TestHash("d")}, {"project", "demo"}, {"roles", {"member"}}},
           {{"name", "other"}, {"password_hash", TestHash("o")}, {"project", "other"}, {"roles", {"member"}}}}}});
    ASSERT_TRUE(id.ok()) << id.status().message();
    identity_.emplace(std::move(*id));
    auto tokens = TokenStore::Open(path_);
    ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
    ASSERT_TRUE(identity_->UseTokenStore(std::move(*tokens)).ok());
    pusher_ = std::make_unique<Pusher>(*s_);
    InstallRoutes(server_, *s_, *pusher_, &*identity_, "http://127.0.0.1");
    port_ = *server_.Bind("127.0.0.1", 0);
    thread_ = std::thread([&] { server_.Run(); });
    admin_ = Token("admin", "a");
    demo_ = Token("demo", "d");
    other_ = Token("other", "o");
    ASSERT_EQ(Call(admin_, "POST", "/v2.0/clouds", {{"cloud", {{"name", "c1"}, {"endpoint", "http://127.0.0.1:1"}}}}).first,
              201);
  }
  void TearDown() override {
    server_.Stop();
    thread_.join();
  }

  // A token of user (scoped to project when given), "" when refused.
  std::string Token(const std::string& user, const std::string& password, const std::string& project = "") {
    nlohmann::json auth = {{"auth", {{"identity", {{"methods", {"password"}},
                                                   {"password", {{"user", {{"name", user}, {"password", password}}}}}}}}}};
    if (!project.empty()) auth["auth"]["scope"] = {{"project", {{"name", project}}}};
    return TokenFromLoopback(port_, auth);
  }
  // {HTTP status (0: no answer), body}.
  std::pair<int, nlohmann::json> Call(const std::string& token, const std::string& method, const std::string& path,
                                      const nlohmann::json& body = nullptr) {
    return CallLoopback(port_, token, method, path, body);
  }
  // Cloud c1 reports compute host h1 (so ports can be bound to it).
  void ReportComputeHostH1() {
    ASSERT_EQ(Call(admin_, "PUT", "/v2.0/clouds/c1/hosts/h1",
                   {{"host", {{"role", "compute"}, {"vtep_ip", "10.255.0.11"}, {"dvr_mac", "fa:16:3f:01:00:01"}}}})
                  .first,
              200);
  }
  // A network of cloud c1 made as token's caller; its id ("" on failure).
  std::string Network(const std::string& token, const std::string& name = "n") {
    auto [code, n] = Call(token, "POST", "/v2.0/networks",
                          {{"network", {{"name", name}, {"availability_zone_hints", {"c1"}}}}});
    EXPECT_EQ(code, 201) << n.dump();
    return code == 201 ? n["network"]["id"].get<std::string>() : "";
  }

  TestDb db_;
  std::string path_;
  std::unique_ptr<Service> s_;
  std::optional<Identity> identity_;
  std::unique_ptr<Pusher> pusher_;
  HttpServer server_;
  std::thread thread_;
  int port_ = 0;
  std::string admin_, demo_, other_;
};

}  // namespace isthmus::central
