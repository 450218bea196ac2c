// MySqlConnection: one MariaDB Connector/C connection (the MySQL/MariaDB client shared by the mysql sink and,
// later, a server system database): connect, run statements
// and queries (text results), escape string literals, and LOAD DATA LOCAL INFILE from a buffer in memory
// (the connector's local-infile callbacks hand it over; no file is written). utf8mb4, autocommit on, UTC.
// What the session guarantees, whatever the server's configuration:
// - LOAD DATA LOCAL: off unless MySqlConnectOptions::local_infile; a LocalInfileGate answers every file
//   request for the connection's life, serving only the buffer of the LoadLocal() running, under the file
//   name its statement sent, and refusing anything else (kPermanent, naming the file the server asked for).
// - TLS: ssl_mode preferred asks for TLS and falls back to clear text only when the server offers none;
//   required, verify_ca and verify_identity fail (kConfig) unless the session is encrypted.
// - sql_mode is pinned (kSessionSqlMode): string literals read backslash escapes, as QuoteMySqlText and the
//   LOAD DATA text assume, and bad values fail in strict mode. A statement that turns NO_BACKSLASH_ESCAPES
//   on makes every later one fail (kConfig) rather than run with literals the server would misread.
// Failures come back classified (MySqlErrorKind); a lost connection is kTransient and leaves the object
// unhealthy, so the owner reconnects before its next use.
// Lifecycle: Open() -> Exec()/Query()/LoadLocal() any number of times (Open() again after !healthy()) ->
// Close() or destruction. mysql.h stays inside mysql_connection.cpp.
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "db/mysql/local_infile_gate.hpp"

struct st_mysql;

namespace datasync::db::mysql {

using MySqlRow = std::vector<std::optional<std::string>>;  // nullopt = NULL

// The error kind for a server or client error number.
core::ErrorKind MySqlErrorKind(unsigned int code);

struct MySqlConnectOptions {
  std::string host;
  int port = 3306;
  std::string user;
  std::string password;
  std::string database;       // the default database when it exists
  std::string ssl_mode;       // disabled, preferred, required, verify_ca, verify_identity
  bool local_infile = false;  // allow LoadLocal (LOAD DATA LOCAL INFILE); off: the server's requests are refused
  std::string ssl_ca, ssl_cert, ssl_key;
  int connect_timeout_secs = 10;
  int io_timeout_secs = 600;
  std::string display;  // names the server in messages (never the password)
};

// The session's sql_mode, set at connect: MariaDB's and MySQL's common default, without NO_BACKSLASH_ESCAPES
// (whatever the server's global sql_mode holds).
inline constexpr std::string_view kSessionSqlMode =
    "STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

// 'text' as a string literal with backslash escapes, as the session's pinned sql_mode reads them.
std::string QuoteMySqlText(std::string_view text);

class MySqlConnection {
 public:
  MySqlConnection() = default;
  MySqlConnection(const MySqlConnection&) = delete;
  MySqlConnection& operator=(const MySqlConnection&) = delete;
  ~MySqlConnection();

  core::Status Open(const MySqlConnectOptions& options);
  void Close();
  bool healthy() const { return mysql_ != nullptr && !broken_; }

  core::Status Exec(std::string_view sql);
  core::Status UseDatabase(const std::string& name);
  core::Result<std::vector<MySqlRow>> Query(std::string_view sql);
  // Runs `LOAD DATA LOCAL INFILE '<a file name of its own>' <into>` whose file is `data` (`into` is the
  // rest of the statement: INTO TABLE ... FIELDS ... (columns)). Needs options.local_infile. LOCAL makes
  // data errors and duplicate keys warnings (the rows are skipped); they fail it with kInvalidInput, quoting
  // the first few, except that with `duplicates` set, warnings that are all duplicate keys only set
  // *duplicates to true.
  core::Status LoadLocal(std::string_view into, std::string_view data, bool* duplicates = nullptr);

  // The TLS cipher of the session ("" when it is not encrypted or not open).
  std::string tls_cipher() const;

 private:
  core::Error Failure(std::string_view what);
  core::Status OpenDatabase(const MySqlConnectOptions& options, bool with_database);
  core::Status CheckEncrypted(const MySqlConnectOptions& options);
  core::Status Send(std::string_view what, std::string_view sql);

  st_mysql* mysql_ = nullptr;
  std::string display_;
  bool broken_ = false;
  bool local_infile_ = false;
  uint64_t loads_ = 0;  // numbers the file names of LoadLocal
  LocalInfileGate infile_;
};

}  // namespace datasync::db::mysql
