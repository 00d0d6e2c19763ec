// A JSON client of an isthmus HTTP API (central's Neutron API, a cloud's agent
// API) for the lab: every non-2xx answer becomes a Status carrying the server's
// message.
#pragma once

#include <nlohmann/json.hpp>
#include <memory>
#include <string>

#include "common/http.h"
#include "common/keystone_client.h"

namespace isthmus::lab {

class ApiClient {
 public:
  // creds: who to authenticate as (central's Keystone subset is on ep itself).
  explicit ApiClient(Endpoint ep, Credentials creds = {})
      : ep_(std::move(ep)), tokens_(std::make_shared<TokenSource>(ep_, std::move(creds))) {}
  Result<nlohmann::json> Get(const std::string& path) { return Call("GET", path, nullptr); }
  Result<nlohmann::json> Post(const std::string& path, const nlohmann::json& body) {
    return Call("POST", path, &body);
  }
  Result<nlohmann::json> Put(const std::string& path, const nlohmann::json& body) {
    return Call("PUT", path, &body);
  }
  const Endpoint& endpoint() const { return ep_; }

 private:
  Result<nlohmann::json> Call(const std::string& method, const std::string& path,
                              const nlohmann::json* body) {
    auto reply = AuthedCall(*tokens_, ep_, method, path, body, 10000);
    if (!reply.ok()) return reply.status();
    Status st = ReplyStatus(*reply);
    if (!st.ok()) return Status(st.code(), method + " " + path + ": " + st.message());
    return reply->body;
  }
  Endpoint ep_;
  std::shared_ptr<TokenSource> tokens_;
};

}  // namespace isthmus::lab
