// AccessService: who may use the web app and the REST API (docs/web.md). It issues and checks API tokens
// (stored as SHA-256 hashes in the system database, or declared in serve.auth.tokens and kept only as
// hashes in memory), opens and checks browser sessions (a cookie value and a CSRF token per session), and
// keeps the audit log of every action that changed state.
//
// Lifecycle: made by App; SetConfiguredTokens when the configuration is applied (serve start, reload).
// Thread-safety: every method may be called from several threads at once (the HTTP server's).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.hpp"
#include "core/clock.hpp"
#include "core/error.hpp"
#include "metadata/access_store.hpp"

namespace datasync::app {

inline constexpr std::string_view kRoleViewer = "viewer";
inline constexpr std::string_view kRoleOperator = "operator";
inline constexpr int64_t kSessionLifetimeUs = 12LL * 3600 * 1'000'000;

// Who makes a request.
struct Principal {
  std::string name;
  std::string role;
  bool via_session = false;     // a browser's cookie (CSRF applies), not a bearer token
  std::string csrf;             // the session's CSRF token
  std::string session_id_hash;  // the session's key in the store
  bool operator_role() const { return role == kRoleOperator; }
};

struct NewSession {
  Principal principal;
  std::string cookie;  // the value of the session cookie (shown to the browser once)
  int64_t expires_at_us = 0;
};

// Where an audited action came from.
struct Actor {
  std::string name;
  std::string role;
  std::string remote;
  static Actor Cli();  // "cli:USER" on this machine
  static Actor Of(const Principal& p, std::string remote) { return {p.name, p.role, std::move(remote)}; }
};

class AccessService {
 public:
  AccessService(metadata::AccessStore& store, const core::Clock& clock) : store_(store), clock_(clock) {}

  // serve.auth.tokens: resolves each reference and keeps its hash; replaces the tokens set before.
  core::Status SetConfiguredTokens(const std::vector<AuthToken>& tokens);
  // When no token exists (none configured, none stored), creates the operator token "admin" and returns it
  // (to be shown once); otherwise nullopt.
  core::Result<std::optional<std::string>> EnsureAdminToken();

  // A new token (shown once; only its hash is stored). kInvalidInput for a bad name or role, kConflict for
  // a name in use.
  core::Result<std::string> CreateToken(const std::string& name, const std::string& role, const Actor& actor);
  core::Result<std::vector<metadata::ApiToken>> Tokens();
  // kNotFound when there is no such stored token (configured tokens are removed from datasync.yaml).
  core::Status RevokeToken(const std::string& name, const Actor& actor);

  // An `Authorization: Bearer` token: its principal, or nullopt.
  core::Result<std::optional<Principal>> Authenticate(std::string_view token);
  // Signs in with a token: a session, or nullopt for a wrong token. Both are audited.
  core::Result<std::optional<NewSession>> SignIn(std::string_view token, const std::string& remote);
  // The principal of a session cookie's value, or nullopt (unknown or expired).
  core::Result<std::optional<Principal>> SessionOf(std::string_view cookie);
  core::Status SignOut(const Principal& principal, const std::string& remote);

  // Appends to the audit log (now, by `actor`). A failure to record is returned, never swallowed.
  core::Status Record(const Actor& actor, std::string action, std::string target, std::string detail);
  core::Result<std::vector<metadata::AuditEntry>> Audit(int64_t limit, int64_t offset);
  core::Result<int64_t> AuditCount();

 private:
  struct Configured {
    std::string name;
    std::string role;
  };
  std::optional<Principal> FindConfigured(const std::string& hash) const;

  // Refused sign-ins are audited at most once a minute per address, with how many were not written since,
  // so that a client guessing tokens cannot grow the audit log without end.
  struct Refusals {
    int64_t logged_at_us = 0;
    int64_t unlogged = 0;
  };
  core::Status RecordRefusal(const std::string& remote);

  metadata::AccessStore& store_;
  const core::Clock& clock_;
  mutable std::mutex mu_;
  std::map<std::string, Configured> configured_;  // by token hash
  std::map<std::string, Refusals> refusals_;      // by address; guarded by mu_
};

}  // namespace datasync::app
