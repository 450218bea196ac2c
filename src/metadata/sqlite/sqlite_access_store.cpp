#include "metadata/sqlite/sqlite_access_store.hpp"

namespace datasync::metadata::sqlite {

namespace {

constexpr const char* kTokenColumns = "name, role, token_hash, origin, created_at_us, last_used_at_us";

ApiToken ReadToken(SqliteStatement& stmt) {
  ApiToken t;
  t.name = stmt.Text(0);
  t.role = stmt.Text(1);
  t.token_hash = stmt.Text(2);
  t.origin = stmt.Text(3);
  t.created_at_us = stmt.Int64(4);
  t.last_used_at_us = stmt.Int64(5);
  return t;
}

}  // namespace

core::Status SqliteAccessStore::AddToken(const ApiToken& token) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare(
      "INSERT INTO api_tokens (name, role, token_hash, origin, created_at_us, last_used_at_us) VALUES (?1, ?2, ?3, ?4, "
      "?5, 0) ON CONFLICT DO NOTHING",
      "add API token");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, token.name)
      .Bind(2, token.role)
      .Bind(3, token.token_hash)
      .Bind(4, token.origin)
      .Bind(5, token.created_at_us);
  if (auto s = stmt->Run(); !s) return s;
  if (conn.Changes() != 1) {
    return core::Fail(core::ErrorKind::kConflict, "a token named '" + token.name +
                                                      "' exists; revoke it first (datasync token revoke " + token.name +
                                                      ") or choose another name");
  }
  return core::Ok();
}

core::Result<std::optional<ApiToken>> SqliteAccessStore::FindToken(const std::string& token_hash) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      std::string("SELECT ") + kTokenColumns + " FROM api_tokens WHERE token_hash = ?1", "find API token");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, token_hash);
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  if (!*row) return std::optional<ApiToken>();
  return std::optional<ApiToken>(ReadToken(*stmt));
}

core::Result<std::vector<ApiToken>> SqliteAccessStore::ListTokens() {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(std::string("SELECT ") + kTokenColumns + " FROM api_tokens ORDER BY name",
                                       "list API tokens");
  if (!stmt) return core::Fail(stmt.error());
  std::vector<ApiToken> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return core::Fail(row.error());
    if (!*row) return out;
    out.push_back(ReadToken(*stmt));
  }
}

core::Result<bool> SqliteAccessStore::RemoveToken(const std::string& name) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto txn = SqliteTransaction::Begin(conn, "revoke API token");
  if (!txn) return core::Fail(txn.error());
  auto sessions = conn.Prepare("DELETE FROM api_sessions WHERE user = ?1", "end the token's sessions");
  if (!sessions) return core::Fail(sessions.error());
  sessions->Bind(1, name);
  if (auto s = sessions->Run(); !s) return core::Fail(s.error());
  auto stmt = conn.Prepare("DELETE FROM api_tokens WHERE name = ?1", "revoke API token");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, name);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  bool removed = conn.Changes() == 1;
  if (auto s = txn->Commit(); !s) return core::Fail(s.error());
  return removed;
}

core::Status SqliteAccessStore::TouchToken(const std::string& token_hash, int64_t now_us) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare("UPDATE api_tokens SET last_used_at_us = ?2 WHERE token_hash = ?1",
                                       "record API token use");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, token_hash).Bind(2, now_us);
  return stmt->Run();
}

core::Status SqliteAccessStore::AddSession(const ApiSession& session) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "INSERT INTO api_sessions (id_hash, user, role, csrf, created_at_us, expires_at_us) VALUES (?1, ?2, ?3, ?4, ?5, "
      "?6)",
      "open session");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, session.id_hash)
      .Bind(2, session.user)
      .Bind(3, session.role)
      .Bind(4, session.csrf)
      .Bind(5, session.created_at_us)
      .Bind(6, session.expires_at_us);
  return stmt->Run();
}

core::Result<std::optional<ApiSession>> SqliteAccessStore::FindSession(const std::string& id_hash, int64_t now_us) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "SELECT id_hash, user, role, csrf, created_at_us, expires_at_us FROM api_sessions WHERE id_hash = ?1 AND "
      "expires_at_us > ?2",
      "find session");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, id_hash).Bind(2, now_us);
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  if (!*row) return std::optional<ApiSession>();
  ApiSession s;
  s.id_hash = stmt->Text(0);
  s.user = stmt->Text(1);
  s.role = stmt->Text(2);
  s.csrf = stmt->Text(3);
  s.created_at_us = stmt->Int64(4);
  s.expires_at_us = stmt->Int64(5);
  return std::optional<ApiSession>(std::move(s));
}

core::Status SqliteAccessStore::RemoveSession(const std::string& id_hash) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare("DELETE FROM api_sessions WHERE id_hash = ?1", "end session");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, id_hash);
  return stmt->Run();
}

core::Result<int64_t> SqliteAccessStore::PurgeSessions(int64_t now_us) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare("DELETE FROM api_sessions WHERE expires_at_us <= ?1", "drop expired sessions");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, now_us);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  return static_cast<int64_t>(conn.Changes());
}

core::Result<int64_t> SqliteAccessStore::Append(const AuditEntry& e) {
  auto lock = db_.Lock();
  auto& conn = db_.connection();
  auto stmt = conn.Prepare(
      "INSERT INTO audit_log (at_us, actor, role, action, target, detail, remote) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
      "append to the audit log");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, e.at_us)
      .Bind(2, e.actor)
      .Bind(3, e.role)
      .Bind(4, e.action)
      .Bind(5, e.target)
      .Bind(6, e.detail)
      .Bind(7, e.remote);
  if (auto s = stmt->Run(); !s) return core::Fail(s.error());
  return conn.LastInsertRowId();
}

core::Result<std::vector<AuditEntry>> SqliteAccessStore::ListAudit(int64_t limit, int64_t offset) {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare(
      "SELECT id, at_us, actor, role, action, target, detail, remote FROM audit_log ORDER BY id DESC LIMIT ?1 OFFSET "
      "?2",
      "read the audit log");
  if (!stmt) return core::Fail(stmt.error());
  stmt->Bind(1, limit > 0 ? limit : int64_t{-1}).Bind(2, offset > 0 ? offset : int64_t{0});
  std::vector<AuditEntry> out;
  while (true) {
    auto row = stmt->Step();
    if (!row) return core::Fail(row.error());
    if (!*row) return out;
    AuditEntry e;
    e.id = stmt->Int64(0);
    e.at_us = stmt->Int64(1);
    e.actor = stmt->Text(2);
    e.role = stmt->Text(3);
    e.action = stmt->Text(4);
    e.target = stmt->Text(5);
    e.detail = stmt->Text(6);
    e.remote = stmt->Text(7);
    out.push_back(std::move(e));
  }
}

core::Result<int64_t> SqliteAccessStore::CountAudit() {
  auto lock = db_.Lock();
  auto stmt = db_.connection().Prepare("SELECT count(*) FROM audit_log", "count the audit log");
  if (!stmt) return core::Fail(stmt.error());
  auto row = stmt->Step();
  if (!row) return core::Fail(row.error());
  return *row ? stmt->Int64(0) : int64_t{0};
}

}  // namespace datasync::metadata::sqlite
