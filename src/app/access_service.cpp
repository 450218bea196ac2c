#include "app/access_service.hpp"

#include <unistd.h>

#include <cstdlib>

#include "core/digest.hpp"
#include "core/secrets.hpp"

namespace datasync::app {

namespace {

constexpr std::string_view kTokenPrefix = "dst_";

bool IsRole(std::string_view role) {
  return role == kRoleViewer || role == kRoleOperator;
}

}  // namespace

Actor Actor::Cli() {
  const char* user = std::getenv("USER");
  if (user == nullptr || *user == '\0') user = std::getenv("LOGNAME");
  return Actor{std::string("cli:") + (user != nullptr && *user != '\0' ? user : std::to_string(::getuid())), "", ""};
}

core::Status AccessService::SetConfiguredTokens(const std::vector<AuthToken>& tokens) {
  std::map<std::string, Configured> next;
  for (const auto& t : tokens) {
    auto value = core::ResolveSecret(t.token, "serve.auth.tokens." + t.name);
    if (!value) return core::Fail(value.error());
    if (value->size() < 16) {
      return core::Fail(core::ErrorKind::kConfig, "serve.auth.tokens." + t.name +
                                                      ": the token is shorter than 16 characters; use a long random "
                                                      "value (e.g. `openssl rand -base64 32`)");
    }
    next[core::Sha256Hex(*value)] = Configured{t.name, t.role};
  }
  std::lock_guard lock(mu_);
  configured_ = std::move(next);
  return core::Ok();
}

core::Result<std::optional<std::string>> AccessService::EnsureAdminToken() {
  {
    std::lock_guard lock(mu_);
    if (!configured_.empty()) return std::optional<std::string>();
  }
  auto stored = store_.ListTokens();
  if (!stored) return core::Fail(stored.error());
  if (!stored->empty()) return std::optional<std::string>();
  std::string token = std::string(kTokenPrefix) + core::RandomToken(32);
  metadata::ApiToken t{"admin",       std::string(kRoleOperator),        core::Sha256Hex(token),
                       "first-start", core::ToEpochMicros(clock_.Now()), 0};
  if (auto s = store_.AddToken(t); !s) {
    // Another process made it first: that one shows it.
    if (s.error().kind() == core::ErrorKind::kConflict) return std::optional<std::string>();
    return core::Fail(s.error());
  }
  core::RegisterSecret(token);
  if (auto s = Record(Actor{"datasync", "", ""}, "token.create", "token admin", "operator token made at first start");
      !s) {
    return core::Fail(s.error());
  }
  return std::optional<std::string>(std::move(token));
}

core::Result<std::string> AccessService::CreateToken(const std::string& name, const std::string& role,
                                                     const Actor& actor) {
  if (!IsTokenName(name)) {
    return core::Fail(core::ErrorKind::kInvalidInput,
                      "'" + name + "' is not a token name (1-64 letters, digits, '_', '-', '.', '@')");
  }
  if (!IsRole(role))
    return core::Fail(core::ErrorKind::kInvalidInput, "'" + role + "' is not a role (viewer, operator)");
  {
    std::lock_guard lock(mu_);
    for (const auto& [hash, c] : configured_) {
      if (c.name == name) {
        return core::Fail(core::ErrorKind::kConflict,
                          "a token named '" + name + "' is declared in serve.auth.tokens; choose another name");
      }
    }
  }
  std::string token = std::string(kTokenPrefix) + core::RandomToken(32);
  metadata::ApiToken t{name, role, core::Sha256Hex(token), "cli", core::ToEpochMicros(clock_.Now()), 0};
  if (auto s = store_.AddToken(t); !s) return core::Fail(s.error());
  core::RegisterSecret(token);
  if (auto s = Record(actor, "token.create", "token " + name, "role " + role); !s) return core::Fail(s.error());
  return token;
}

core::Result<std::vector<metadata::ApiToken>> AccessService::Tokens() {
  return store_.ListTokens();
}

core::Status AccessService::RevokeToken(const std::string& name, const Actor& actor) {
  auto removed = store_.RemoveToken(name);
  if (!removed) return core::Fail(removed.error());
  if (!*removed) {
    return core::Fail(core::ErrorKind::kNotFound, "no stored token named '" + name +
                                                      "' (datasync token list shows them; tokens of "
                                                      "serve.auth.tokens are removed from datasync.yaml)");
  }
  return Record(actor, "token.revoke", "token " + name, "revoked, its sessions ended");
}

std::optional<Principal> AccessService::FindConfigured(const std::string& hash) const {
  std::lock_guard lock(mu_);
  auto it = configured_.find(hash);
  if (it == configured_.end()) return std::nullopt;
  return Principal{it->second.name, it->second.role, false, "", ""};
}

core::Result<std::optional<Principal>> AccessService::Authenticate(std::string_view token) {
  if (token.empty() || token.size() > 512) return std::optional<Principal>();
  std::string hash = core::Sha256Hex(token);
  if (auto p = FindConfigured(hash)) return p;
  auto stored = store_.FindToken(hash);
  if (!stored) return core::Fail(stored.error());
  if (!*stored) return std::optional<Principal>();
  // When it was last used, to the minute: not a write per request.
  int64_t now = core::ToEpochMicros(clock_.Now());
  if (now - (*stored)->last_used_at_us > 60'000'000) {
    if (auto s = store_.TouchToken(hash, now); !s) return core::Fail(s.error());
  }
  return std::optional<Principal>(Principal{(*stored)->name, (*stored)->role, false, "", ""});
}

core::Result<std::optional<NewSession>> AccessService::SignIn(std::string_view token, const std::string& remote) {
  auto who = Authenticate(token);
  if (!who) return core::Fail(who.error());
  if (!*who) {
    if (auto s = RecordRefusal(remote); !s) return core::Fail(s.error());
    return std::optional<NewSession>();
  }
  NewSession out;
  out.principal = **who;
  out.cookie = core::RandomToken(32);
  out.principal.via_session = true;
  out.principal.csrf = core::RandomToken(24);
  out.principal.session_id_hash = core::Sha256Hex(out.cookie);
  int64_t now = core::ToEpochMicros(clock_.Now());
  out.expires_at_us = now + kSessionLifetimeUs;
  (void)store_.PurgeSessions(now);
  metadata::ApiSession s{out.principal.session_id_hash,
                         out.principal.name,
                         out.principal.role,
                         out.principal.csrf,
                         now,
                         out.expires_at_us};
  if (auto st = store_.AddSession(s); !st) return core::Fail(st.error());
  if (auto st = Record(Actor::Of(out.principal, remote), "session.create", "", "signed in"); !st) {
    return core::Fail(st.error());
  }
  return std::optional<NewSession>(std::move(out));
}

core::Result<std::optional<Principal>> AccessService::SessionOf(std::string_view cookie) {
  if (cookie.empty() || cookie.size() > 256) return std::optional<Principal>();
  auto s = store_.FindSession(core::Sha256Hex(cookie), core::ToEpochMicros(clock_.Now()));
  if (!s) return core::Fail(s.error());
  if (!*s) return std::optional<Principal>();
  const auto& v = **s;
  // A session of a token revoked since is gone with it (RemoveToken); one of a configured token removed
  // from the file ends here.
  return std::optional<Principal>(Principal{v.user, v.role, true, v.csrf, v.id_hash});
}

core::Status AccessService::RecordRefusal(const std::string& remote) {
  const int64_t now = core::ToEpochMicros(clock_.Now());
  int64_t unlogged = 0;
  {
    std::lock_guard lock(mu_);
    if (refusals_.size() > 10'000) refusals_.clear();  // many addresses: forget, the log still bounds itself
    Refusals& r = refusals_[remote];
    if (r.logged_at_us != 0 && now - r.logged_at_us < 60'000'000) {
      ++r.unlogged;
      return core::Ok();
    }
    unlogged = r.unlogged;
    r = Refusals{now, 0};
  }
  std::string detail = "wrong token";
  if (unlogged > 0) detail += " (and " + std::to_string(unlogged) + " more from this address in the minute before)";
  return Record(Actor{"", "", remote}, "session.refused", "", detail);
}

core::Status AccessService::SignOut(const Principal& principal, const std::string& remote) {
  if (principal.via_session) {
    if (auto s = store_.RemoveSession(principal.session_id_hash); !s) return s;
  }
  return Record(Actor::Of(principal, remote), "session.delete", "", "signed out");
}

core::Status AccessService::Record(const Actor& actor, std::string action, std::string target, std::string detail) {
  metadata::AuditEntry e;
  e.at_us = core::ToEpochMicros(clock_.Now());
  e.actor = actor.name;
  e.role = actor.role;
  e.action = std::move(action);
  e.target = std::move(target);
  e.detail = core::Redact(detail);
  e.remote = actor.remote;
  auto id = store_.Append(e);
  if (!id) return core::Fail(id.error());
  return core::Ok();
}

core::Result<std::vector<metadata::AuditEntry>> AccessService::Audit(int64_t limit, int64_t offset) {
  return store_.ListAudit(limit, offset);
}

core::Result<int64_t> AccessService::AuditCount() {
  return store_.CountAudit();
}

}  // namespace datasync::app
