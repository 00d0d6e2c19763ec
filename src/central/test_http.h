// One call to a central's HTTP API on loopback, as central's API tests make
// them: the token in X-Auth-Token, a JSON body, the answer as {status (0: no
// answer), body parsed as JSON (discarded when not JSON)}.
#pragma once

#include <httplib.h>

#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace isthmus::central {

inline std::pair<int, nlohmann::json> CallLoopback(int port, const std::string& token, const std::string& method,
                                                   const std::string& path, const nlohmann::json& body = nullptr) {
  httplib::Client c("127.0.0.1", port);
  httplib::Headers h;
  if (!token.empty()) h.emplace("X-Auth-Token", token);
  const std::string text = body.dump();
  httplib::Result r = method == "GET"     ? c.Get(path, h)
                      : method == "HEAD"  ? c.Head(path, h)
                      : method == "POST"  ? c.Post(path, h, text, "application/json")
                      : method == "PUT"   ? c.Put(path, h, text, "application/json")
                      : method == "PATCH" ? c.Patch(path, h, text, "application/json")
                                          : c.Delete(path, h);
  if (!r) return {0, nullptr};
  return {r->status, r->body.empty() ? nlohmann::json() : nlohmann::json::parse(r->body, nullptr, false)};
}

// A token from POST /v3/auth/tokens with `auth` (Keystone's body), "" when refused.
inline std::string TokenFromLoopback(int port, const nlohmann::json& auth) {
  httplib::Client c("127.0.0.1", port);
  auto r = c.Post("/v3/auth/tokens", auth.dump(), "application/json");
  if (!r || r->status != 201) return "";
  return r->get_header_value("X-Subject-Token");
}

}  // namespace isthmus::central
