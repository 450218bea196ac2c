// PgConnection: one libpq connection (the PostgreSQL client shared by the postgres sink and, later, a server
// system database): connect from keyword/value pairs, run
// statements and parameterised queries (text results), and COPY a prepared buffer FROM STDIN. Every failure
// comes back as a classified core::Error (see PgErrorKind); a lost connection is kTransient and leaves the
// object unhealthy, so the owner reconnects before its next use. Server notices are dropped (CREATE ... IF
// NOT EXISTS says "skipping" on every run).
// Lifecycle: Open() -> Exec()/Query()/CopyIn() any number of times (Open() again after !healthy()) -> Close()
// or destruction. libpq-fe.h stays inside pg_connection.cpp.
// Thread-safety: one thread at a time.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

struct pg_conn;

namespace datasync::db::postgres {

using PgRow = std::vector<std::optional<std::string>>;  // nullopt = NULL

// The error kind for a SQLSTATE (connection, shutdown, deadlock, resources -> kTransient; integrity and
// data exceptions -> kInvalidInput; authorization -> kPermission; missing database/schema -> kConfig;
// anything else -> kPermanent).
core::ErrorKind PgErrorKind(std::string_view sqlstate);

class PgConnection {
 public:
  PgConnection() = default;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  // `params` are libpq connection keywords (host, port, user, password, dbname, sslmode, ...);
  // `display` names the server in messages (never the password).
  core::Status Open(const std::vector<std::pair<std::string, std::string>>& params, std::string display);
  void Close();
  bool healthy() const;

  core::Status Exec(std::string_view sql);
  core::Result<std::vector<PgRow>> Query(std::string_view sql, const std::vector<std::string>& params = {});
  // Runs `copy_sql` (COPY ... FROM STDIN) and sends `data` in the text format.
  core::Status CopyIn(std::string_view copy_sql, std::string_view data);

 private:
  core::Error Failure(const void* result, std::string_view what);

  pg_conn* conn_ = nullptr;
  std::string display_;
  bool broken_ = false;
};

}  // namespace datasync::db::postgres
