#include "db/mysql/mysql_connection.hpp"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <algorithm>
#include <cstring>

#include "core/secrets.hpp"

namespace datasync::db::mysql {

using core::ErrorKind;
using core::Fail;

core::ErrorKind MySqlErrorKind(unsigned int code) {
  switch (code) {
    // The server went away, refused, shut down, killed us, or a lock timed out: worth another try.
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_CON_COUNT_ERROR:
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_LOCK_DEADLOCK:
    case ER_NET_READ_ERROR:
    case ER_NET_READ_INTERRUPTED:
    case ER_NET_ERROR_ON_WRITE:
    case ER_NET_WRITE_INTERRUPTED:
    case ER_QUERY_INTERRUPTED: return ErrorKind::kTransient;
    case ER_DBACCESS_DENIED_ERROR:
    case ER_ACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR: return ErrorKind::kPermission;
    case ER_DUP_ENTRY:
    case ER_BAD_NULL_ERROR:
    case ER_WARN_DATA_OUT_OF_RANGE:
    case WARN_DATA_TRUNCATED:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case ER_DATA_TOO_LONG:
    case ER_TRUNCATED_WRONG_VALUE:
    case ER_INVALID_CHARACTER_STRING: return ErrorKind::kInvalidInput;
    case ER_BAD_DB_ERROR: return ErrorKind::kConfig;
    default:
      // Client-side codes 2000-2999 not listed above (SSL setup, unknown host) are configuration trouble.
      return code >= 2000 && code < 3000 ? ErrorKind::kConfig : ErrorKind::kPermanent;
  }
}

namespace {

// MariaDB Connector/C refuses a file request it was not told to accept (local infile off) with this error,
// before any handler runs.
bool IsForbiddenInfile(unsigned int code, const char* message) {
  return code == CR_UNKNOWN_ERROR && message && std::strstr(message, "ocal infile forbidden") != nullptr;
}

}  // namespace

MySqlConnection::~MySqlConnection() {
  Close();
}

void MySqlConnection::Close() {
  if (mysql_) mysql_close(mysql_);
  mysql_ = nullptr;
  broken_ = false;
  infile_.Disarm();
  infile_.ClearRefusal();
}

core::Error MySqlConnection::Failure(std::string_view what) {
  unsigned int code = mysql_errno(mysql_);
  if (infile_.refused() || IsForbiddenInfile(code, mysql_error(mysql_))) {
    // Only a rogue, spoofed or intercepted server asks for a file datasync did not offer: nothing of this
    // session is to be trusted any more, and trying again would ask the same.
    broken_ = true;
    std::string asked = infile_.refused() ? "the local file " + infile_.refused_name() : "a local file";
    return core::Error(ErrorKind::kPermanent,
                       std::string(what) + " on " + display_ + ": the server asked for " + asked +
                           ", and datasync refused: it only sends the batch of its own LOAD DATA LOCAL" +
                           (local_infile_ ? "" : " (none with load_method insert)") + ". Check that " + display_ +
                           " is the server you meant and that nothing intercepts the connection (ssl_mode: "
                           "verify_identity)")
        .WithCode(std::to_string(code));
  }
  ErrorKind kind = MySqlErrorKind(code);
  // On an established TLS session a connection the server dropped (restart, KILL, failover) surfaces as a
  // TLS error ("unexpected eof while reading"), not as 2013: lost, so worth another try. At connect time
  // the same code is TLS set-up trouble, which OpenDatabase classifies as configuration.
  if (code == CR_SSL_CONNECTION_ERROR) kind = ErrorKind::kTransient;
  if (kind == ErrorKind::kTransient &&
      (code == CR_SERVER_GONE_ERROR || code == CR_SERVER_LOST || code == CR_SERVER_LOST_EXTENDED ||
       code == ER_SERVER_SHUTDOWN || code == ER_CONNECTION_KILLED || code == CR_CONNECTION_ERROR ||
       code == CR_CONN_HOST_ERROR || code == CR_SSL_CONNECTION_ERROR)) {
    broken_ = true;
  }
  core::Error e(kind, std::string(what) + " on " + display_ + ": " + core::Redact(mysql_error(mysql_)));
  e.WithCode(std::to_string(code));
  return e;
}

core::Status MySqlConnection::OpenDatabase(const MySqlConnectOptions& o, bool with_database) {
  mysql_ = mysql_init(nullptr);
  if (!mysql_) return Fail(ErrorKind::kTransient, "cannot connect to " + display_ + ": out of memory");
  unsigned int connect_timeout = static_cast<unsigned int>(o.connect_timeout_secs);
  unsigned int io_timeout = static_cast<unsigned int>(o.io_timeout_secs);
  unsigned int local_infile = o.local_infile ? 1 : 0;
  mysql_optionsv(mysql_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_optionsv(mysql_, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_optionsv(mysql_, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
  mysql_optionsv(mysql_, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
  mysql_optionsv(mysql_, MYSQL_OPT_LOCAL_INFILE, &local_infile);
  // From the first statement on, and never replaced: the connector's own handler would open any path.
  infile_.Install(mysql_);
  if (o.ssl_mode != "disabled") {
    if (!o.ssl_key.empty()) mysql_optionsv(mysql_, MYSQL_OPT_SSL_KEY, o.ssl_key.c_str());
    if (!o.ssl_cert.empty()) mysql_optionsv(mysql_, MYSQL_OPT_SSL_CERT, o.ssl_cert.c_str());
    if (!o.ssl_ca.empty()) mysql_optionsv(mysql_, MYSQL_OPT_SSL_CA, o.ssl_ca.c_str());
    // Connector/C 3.x: MYSQL_OPT_SSL_ENFORCE only *asks* for TLS (use_ssl): without server verification a
    // server that offers no TLS still gets a clear-text session, so required is checked after the connect
    // (CheckEncrypted). Verification makes the connector refuse such a server before authenticating.
    my_bool use_tls = 1;
    my_bool verify = o.ssl_mode == "verify_ca" || o.ssl_mode == "verify_identity";
    mysql_optionsv(mysql_, MYSQL_OPT_SSL_ENFORCE, &use_tls);
    mysql_optionsv(mysql_, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &verify);
  }
  const char* db = with_database && !o.database.empty() ? o.database.c_str() : nullptr;
  unsigned long flags = o.local_infile ? CLIENT_LOCAL_FILES : 0;
  if (!mysql_real_connect(mysql_, o.host.c_str(), o.user.c_str(), o.password.c_str(), db,
                          static_cast<unsigned int>(o.port), nullptr, flags)) {
    unsigned int code = mysql_errno(mysql_);
    core::Error e(MySqlErrorKind(code), "cannot connect to " + display_ + ": " + core::Redact(mysql_error(mysql_)));
    e.WithCode(std::to_string(code));
    Close();
    return Fail(std::move(e));
  }
  return core::Ok();
}

core::Status MySqlConnection::CheckEncrypted(const MySqlConnectOptions& o) {
  if (o.ssl_mode == "disabled" || o.ssl_mode == "preferred" || !tls_cipher().empty()) return core::Ok();
  return Fail(ErrorKind::kConfig,
              "cannot connect to " + display_ + " with ssl_mode " + o.ssl_mode +
                  ": the session is not encrypted (the server offered no TLS). Enable TLS on the server "
                  "(ssl_cert and ssl_key in its configuration), or set ssl_mode: preferred to accept clear text");
}

std::string MySqlConnection::tls_cipher() const {
  const char* cipher = mysql_ ? mysql_get_ssl_cipher(mysql_) : nullptr;
  return cipher ? cipher : "";
}

core::Status MySqlConnection::UseDatabase(const std::string& name) {
  if (!mysql_) return Fail(ErrorKind::kTransient, "not connected to " + display_);
  if (mysql_select_db(mysql_, name.c_str()) != 0) return Fail(Failure("cannot use database"));
  return core::Ok();
}

core::Status MySqlConnection::Open(const MySqlConnectOptions& o) {
  Close();
  display_ = o.display;
  local_infile_ = o.local_infile;
  // Every statement names its database, so a database that does not exist yet (the sink creates it when
  // it migrates) only means no default one.
  auto st = OpenDatabase(o, true);
  if (!st && st.error().code() == std::to_string(ER_BAD_DB_ERROR)) {
    Close();
    st = OpenDatabase(o, false);
  }
  if (!st) {
    Close();
    return st;
  }
  if (auto s = CheckEncrypted(o); !s) {
    Close();
    return s;
  }
  // Our DATETIME columns hold UTC wall times; TIMESTAMP columns a user added would convert, so pin UTC. The
  // sql_mode is pinned so that the server reads our literals and LOAD DATA text as we write them (a global
  // NO_BACKSLASH_ESCAPES would let a vendor's quote end a literal). Sent directly: Send() refuses to run
  // anything while NO_BACKSLASH_ESCAPES is on, which it may be until this statement.
  std::string pin =
      "SET SESSION sql_mode = '" + std::string(kSessionSqlMode) + "', time_zone = '+00:00', autocommit = 1";
  infile_.ClearRefusal();
  if (mysql_real_query(mysql_, pin.data(), pin.size()) != 0) {
    auto e = Failure("cannot set up the session");
    Close();
    return Fail(std::move(e));
  }
  return core::Ok();
}

core::Status MySqlConnection::Send(std::string_view what, std::string_view sql) {
  if (!mysql_) return Fail(ErrorKind::kTransient, "not connected to " + display_);
  unsigned int status = 0;
  if (mariadb_get_infov(mysql_, MARIADB_CONNECTION_SERVER_STATUS, &status) == 0 &&
      (status & SERVER_STATUS_NO_BACKSLASH_ESCAPES) != 0) {
    return Fail(ErrorKind::kConfig,
                std::string(what) + " on " + display_ +
                    ": an earlier statement (a template's?) turned on sql_mode NO_BACKSLASH_ESCAPES, under which "
                    "datasync's string literals would be misread; remove that from the storage's templates");
  }
  infile_.ClearRefusal();
  if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return Fail(Failure(what));
  return core::Ok();
}

core::Status MySqlConnection::Exec(std::string_view sql) {
  if (auto st = Send("statement failed", sql); !st) return st;
  // Drain any result set so the connection is ready for the next statement.
  if (MYSQL_RES* res = mysql_store_result(mysql_)) mysql_free_result(res);
  return core::Ok();
}

core::Result<std::vector<MySqlRow>> MySqlConnection::Query(std::string_view sql) {
  if (auto st = Send("query failed", sql); !st) return Fail(st.error());
  MYSQL_RES* res = mysql_store_result(mysql_);
  std::vector<MySqlRow> rows;
  if (!res) {
    if (mysql_errno(mysql_) != 0) return Fail(Failure("query failed"));
    return rows;
  }
  unsigned int cols = mysql_num_fields(res);
  while (MYSQL_ROW row = mysql_fetch_row(res)) {
    unsigned long* lengths = mysql_fetch_lengths(res);
    MySqlRow out;
    for (unsigned int c = 0; c < cols; ++c) {
      if (row[c] == nullptr) {
        out.emplace_back(std::nullopt);
      } else {
        out.emplace_back(std::string(row[c], lengths[c]));
      }
    }
    rows.push_back(std::move(out));
  }
  mysql_free_result(res);
  return rows;
}

core::Status MySqlConnection::LoadLocal(std::string_view into, std::string_view data, bool* duplicates) {
  if (duplicates) *duplicates = false;
  if (!mysql_) return Fail(ErrorKind::kTransient, "not connected to " + display_);
  if (!local_infile_) return Fail(ErrorKind::kInternal, "LOAD DATA LOCAL on " + display_ + " without local_infile");
  // A name of this load's own: the gate answers a request for exactly this name, during this statement.
  std::string file_name = "datasync-batch-" + std::to_string(++loads_);
  std::string sql = "LOAD DATA LOCAL INFILE '" + file_name + "' " + std::string(into);
  infile_.Arm(file_name, data);
  auto st = Exec(sql);
  infile_.Disarm();
  if (!st) return st;
  if (mysql_warning_count(mysql_) == 0) return core::Ok();
  // With LOCAL the server cannot stop the upload, so it turns bad values and repeated keys into warnings
  // and goes on; for datasync each of them is a failed batch, unless the caller handles repeated keys.
  std::string detail;
  bool only_duplicates = true;
  auto warnings = Query("SHOW WARNINGS LIMIT 20");
  if (!warnings) return Fail(warnings.error());
  int shown = 0;
  for (const auto& w : *warnings) {
    if (w.size() < 3) continue;
    only_duplicates = only_duplicates && w[1] == std::to_string(ER_DUP_ENTRY);
    if (shown++ < 3) detail += (detail.empty() ? "" : "; ") + w[2].value_or("");
  }
  if (duplicates && only_duplicates && !warnings->empty()) {
    *duplicates = true;
    return core::Ok();
  }
  return Fail(ErrorKind::kInvalidInput, "bulk load into " + display_ + " was refused row by row: " +
                                            core::Redact(detail.empty() ? "warnings" : detail));
}

std::string QuoteMySqlText(std::string_view text) {
  // What mysql_real_escape_string does for utf8mb4 without NO_BACKSLASH_ESCAPES (the session's pinned
  // sql_mode), without needing a live connection: UTF-8 continuation bytes never look like ASCII, so
  // byte-wise escaping is safe.
  std::string out = "'";
  for (char c : text) {
    switch (c) {
      case '\0': out += "\\0"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\\': out += "\\\\"; break;
      case '\'': out += "\\'"; break;
      case '"': out += "\\\""; break;
      case '\x1a': out += "\\Z"; break;
      default: out += c;
    }
  }
  return out + "'";
}

}  // namespace datasync::db::mysql
