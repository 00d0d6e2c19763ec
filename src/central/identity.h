// Identity: the subset of Keystone v3 that isthmus's clients need. Users,
// projects and roles come from a JSON file (docs/architecture.md, "Identity");
// POST /v3/auth/tokens with password authentication, scoped to a project,
// answers a token (X-Subject-Token) and a service catalog holding the network
// endpoint (central itself). Tokens live in memory for 12 hours: after a
// restart of central clients authenticate again (every isthmus client does so
// on 401). Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace isthmus::central {

struct Caller {
  std::string user_id, user_name;
  std::string project_id, project_name;
  std::vector<std::string> roles;
  bool admin = false;  // the "admin" role: sees and acts on every project
};

struct IdentityUser {
  std::string id, name, password, project;  // project: its (only) project's name
  std::vector<std::string> roles;
};

class Identity {
 public:
  // From the file's JSON: {"projects": [{"name", "id"?}], "users": [{"name",
  // "password", "project", "roles": ["admin"|"member"], "id"?}]}.
  static Result<Identity> FromJson(const nlohmann::json& config);
  static Result<Identity> Load(const std::string& path);

  // POST /v3/auth/tokens: the token and the body Keystone answers with.
  // endpoint: central's own base URL ("http://127.0.0.1:9696"), for the catalog.
  struct Issued {
    std::string token;
    nlohmann::json body;
  };
  Result<Issued> IssueToken(const nlohmann::json& request, const std::string& endpoint);
  // The caller a token stands for; Unauthorized when unknown or expired.
  Result<Caller> Validate(const std::string& token);

 private:
  std::map<std::string, std::string> project_ids_;  // name -> id
  std::vector<IdentityUser> users_;
  struct Token {
    Caller caller;
    std::chrono::system_clock::time_point expires;
  };
  std::shared_ptr<std::mutex> mu_ = std::make_shared<std::mutex>();
  std::shared_ptr<std::map<std::string, Token>> tokens_ = std::make_shared<std::map<std::string, Token>>();
};

}  // namespace isthmus::central
