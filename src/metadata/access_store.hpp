// AccessStore: who may use the web app and the REST API, and what they did (ARCHITECTURE §12; docs/web.md).
// Three record kinds in the system database:
//   - API tokens: a name, a role and the SHA-256 hash of the token (the token itself is never stored);
//   - sessions of signed-in browsers: the hash of the cookie's value, the principal, the CSRF token and
//     the expiry;
//   - the audit log: every action that changed state, with who, what, when and from where.
// Hashing and token generation are the caller's (app::AccessService); the store keeps what it is given.
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace datasync::metadata {

struct ApiToken {
  std::string name;
  std::string role;        // "viewer" or "operator"
  std::string token_hash;  // hex SHA-256 of the token
  std::string origin;      // "first-start" or "cli"
  int64_t created_at_us = 0;
  int64_t last_used_at_us = 0;
};

struct ApiSession {
  std::string id_hash;  // hex SHA-256 of the cookie's value
  std::string user;
  std::string role;
  std::string csrf;
  int64_t created_at_us = 0;
  int64_t expires_at_us = 0;
};

struct AuditEntry {
  int64_t id = 0;  // assigned by Append
  int64_t at_us = 0;
  std::string actor;   // a token's name, or "cli:USER"
  std::string role;    // the actor's role, empty for the CLI
  std::string action;  // "session.create", "run.pause", "token.revoke", ...
  std::string target;  // "run 7", "token alice", ...
  std::string detail;  // the outcome, one line
  std::string remote;  // the client's address, empty for the CLI
};

class AccessStore {
 public:
  virtual ~AccessStore() = default;

  // kConflict when a token of that name exists.
  virtual core::Status AddToken(const ApiToken& token) = 0;
  virtual core::Result<std::optional<ApiToken>> FindToken(const std::string& token_hash) = 0;
  virtual core::Result<std::vector<ApiToken>> ListTokens() = 0;
  // Removes the token and every session it opened; false when there was none of that name.
  virtual core::Result<bool> RemoveToken(const std::string& name) = 0;
  virtual core::Status TouchToken(const std::string& token_hash, int64_t now_us) = 0;

  virtual core::Status AddSession(const ApiSession& session) = 0;
  // A session that has not expired at now_us.
  virtual core::Result<std::optional<ApiSession>> FindSession(const std::string& id_hash, int64_t now_us) = 0;
  virtual core::Status RemoveSession(const std::string& id_hash) = 0;
  // Drops the sessions expired at now_us; returns how many.
  virtual core::Result<int64_t> PurgeSessions(int64_t now_us) = 0;

  virtual core::Result<int64_t> Append(const AuditEntry& entry) = 0;
  // Newest first.
  virtual core::Result<std::vector<AuditEntry>> ListAudit(int64_t limit, int64_t offset) = 0;
  virtual core::Result<int64_t> CountAudit() = 0;
};

}  // namespace datasync::metadata
