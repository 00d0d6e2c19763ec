// Identity: the subset of Keystone v3 that isthmus's clients need. Users,
// projects and roles come from a JSON file holding password hashes
// (docs/architecture.md, "Identity"); POST /v3/auth/tokens with password
// authentication answers a random token (X-Subject-Token) and a catalog; DELETE
// revokes one. Tokens last 12 hours and, with a TokenStore, survive a restart
// of central (only their SHA-256 is stored). Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "central/token_store.h"
#include "common/status.h"

namespace isthmus::central {

struct Caller {
  std::string user_id, user_name;
  std::string project_id, project_name;
  std::vector<std::string> roles;
  bool admin = false;  // the "admin" role: sees and acts on every project
};

struct IdentityUser {
  std::string id, name, password_hash, project;  // project: its (only) project's name
  std::vector<std::string> roles;
};

// Random bytes in a token (256 bits), base64url without padding: 43 characters.
inline constexpr size_t kTokenBytes = 32;

class Identity {
 public:
  // From the file's JSON: {"projects": [{"name", "id"?}], "users": [{"name",
  // "password_hash", "project", "roles": ["admin"|"member"], "id"?}]}. A
  // plaintext "password" is refused, naming the user and `isthmus hash-password`.
  static Result<Identity> FromJson(const nlohmann::json& config);
  // The file must be private to its owner (no group/other permission bits).
  static Result<Identity> Load(const std::string& path);

  // Keeps tokens in store from now on and takes up the live ones it holds.
  // Without a store, tokens live in this process's memory only.
  Status UseTokenStore(std::unique_ptr<TokenStore> store);

  // POST /v3/auth/tokens: the token and the body Keystone answers with.
  // endpoint: central's own base URL ("http://127.0.0.1:9696"), for the catalog.
  struct Issued {
    std::string token;
    nlohmann::json body;
  };
  Result<Issued> IssueToken(const nlohmann::json& request, const std::string& endpoint);
  // The caller a token stands for; Unauthorized when unknown, revoked, expired,
  // or its user is gone or has a new password since.
  Result<Caller> Validate(const std::string& token);
  // DELETE /v3/auth/tokens: by an admin or the token's own user (else
  // Forbidden); NotFound when the token is not valid.
  Status Revoke(const std::string& token, const Caller& by);

 private:
  struct Token {
    std::string user_id, project_id, credential;
    std::chrono::system_clock::time_point expires;
    std::chrono::system_clock::time_point checked{};  // last read from a shared store
  };
  // How long a token read from a store shared by replicas is trusted before it
  // is read again (a revocation through another replica takes effect then).
  static constexpr std::chrono::seconds kSharedTokenRecheck{1};
  struct Tokens {
    std::mutex mu;
    std::map<std::string, Token> by_hash;  // hex SHA-256 of the token -> token
    std::unique_ptr<TokenStore> store;    // null: memory only
  };
  const IdentityUser* FindUser(const std::string& name, const std::string& id) const;
  Result<Caller> CallerOf(const Token& t) const;

  std::map<std::string, std::string> project_ids_;  // name -> id
  std::vector<IdentityUser> users_;
  std::shared_ptr<Tokens> tokens_ = std::make_shared<Tokens>();
};

}  // namespace isthmus::central
