#include "common/keystone_client.h"

namespace isthmus {

Result<httplib::Headers> TokenSource::Headers() {
  std::lock_guard<std::mutex> lock(mu_);
  if (creds_.user.empty()) return httplib::Headers{};
  if (token_.empty()) {
    nlohmann::json auth = {
        {"auth",
         {{"identity",
           {{"methods", {"password"}},
            {"password",
             {{"user", {{"name", creds_.user}, {"domain", {{"name", "Default"}}}, {"password", creds_.password}}}}}}}}}};
    if (!creds_.project.empty())
      auth["auth"]["scope"] = {{"project", {{"name", creds_.project}, {"domain", {{"name", "Default"}}}}}};
    auto r = HttpCall(identity_, "POST", "/v3/auth/tokens", &auth, 5000);
    if (!r.ok()) return Unavailable("authenticating at " + identity_.ToString() + ": " + r.status().message());
    if (r->status != 201)
      return Status(Code::kUnauthorized, "authenticating as " + creds_.user + " at " + identity_.ToString() +
                                             ": HTTP " + std::to_string(r->status));
    token_ = r->headers.count("X-Subject-Token") ? r->headers.find("X-Subject-Token")->second : "";
  }
  return httplib::Headers{{"X-Auth-Token", token_}};
}

void TokenSource::Invalidate() {
  std::lock_guard<std::mutex> lock(mu_);
  token_.clear();
}

namespace {
// One call with the current token; once more with a new one if it was refused (401).
template <typename Send>
Result<HttpReply> WithToken(TokenSource& tokens, const Send& send) {
  for (int attempt = 0;; ++attempt) {
    auto headers = tokens.Headers();
    if (!headers.ok()) return headers.status();
    auto reply = send(*headers);
    if (!reply.ok() || reply->status != 401 || attempt > 0 || headers->empty()) return reply;
    tokens.Invalidate();
  }
}
}  // namespace

Result<HttpReply> AuthedCall(TokenSource& tokens, const Endpoint& ep, const std::string& method,
                             const std::string& path, const nlohmann::json* body, int timeout_ms) {
  return WithToken(tokens, [&](const httplib::Headers& h) { return HttpCall(ep, method, path, body, timeout_ms, h); });
}

Result<HttpReply> AuthedCall(TokenSource& tokens, HttpSession& session, const std::string& method,
                             const std::string& path, const nlohmann::json* body) {
  return WithToken(tokens, [&](const httplib::Headers& h) { return session.Call(method, path, body, h); });
}

}  // namespace isthmus
