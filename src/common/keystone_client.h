// A client's side of central's Keystone v3 subset: obtains a project-scoped
// token with a password (POST /v3/auth/tokens), keeps it, and obtains a new
// one when told the old one was refused (a 401 after central restarted, say).
// Thread-safe. With no user configured it sends no token.
#pragma once

#include <mutex>
#include <string>

#include "common/http.h"

namespace isthmus {

struct Credentials {
  std::string user;      // "" = send no token
  std::string password;
  std::string project;   // "" = the user's own project
};

class TokenSource {
 public:
  TokenSource(Endpoint identity, Credentials creds)
      : identity_(std::move(identity)), creds_(std::move(creds)) {}
  // {"X-Auth-Token": token}, or no header when no user is configured.
  Result<httplib::Headers> Headers();
  void Invalidate();

 private:
  Endpoint identity_;
  Credentials creds_;
  std::mutex mu_;
  std::string token_;
};

// HttpCall with the source's token; on 401 it authenticates again and retries once.
Result<HttpReply> AuthedCall(TokenSource& tokens, const Endpoint& ep, const std::string& method,
                             const std::string& path, const nlohmann::json* body = nullptr,
                             int timeout_ms = 5000);
// The same through a session's kept connection (idempotent requests only: HttpSession).
Result<HttpReply> AuthedCall(TokenSource& tokens, HttpSession& session, const std::string& method,
                             const std::string& path, const nlohmann::json* body = nullptr);

}  // namespace isthmus
