#include "db/postgres/pg_connection.hpp"

#include <libpq-fe.h>

#include <algorithm>

#include "core/secrets.hpp"

namespace datasync::db::postgres {

using core::ErrorKind;
using core::Fail;

core::ErrorKind PgErrorKind(std::string_view s) {
  if (s.size() != 5) return ErrorKind::kPermanent;
  std::string_view cls = s.substr(0, 2);
  // https://www.postgresql.org/docs/15/errcodes-appendix.html
  if (cls == "08" || cls == "40" || cls == "53" || cls == "58" || s == "57P01" || s == "57P02" || s == "57P03" ||
      s == "57014" || s == "55P03") {
    return ErrorKind::kTransient;
  }
  if (cls == "22" || cls == "23") return ErrorKind::kInvalidInput;
  if (cls == "28" || s == "42501") return ErrorKind::kPermission;
  if (s == "3D000" || s == "3F000") return ErrorKind::kConfig;
  return ErrorKind::kPermanent;
}

namespace {

void DropNotice(void*, const char*) {}

std::string Trimmed(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\t', ' ');
  return s;
}

// libpq reports connection failures as text only.
ErrorKind ConnectErrorKind(const std::string& msg) {
  if (msg.find("password authentication failed") != std::string::npos ||
      msg.find("no pg_hba.conf entry") != std::string::npos || msg.find("permission denied") != std::string::npos) {
    return ErrorKind::kPermission;
  }
  if ((msg.find("database") != std::string::npos && msg.find("does not exist") != std::string::npos) ||
      msg.find("invalid") != std::string::npos || msg.find("certificate") != std::string::npos ||
      msg.find("SSL") != std::string::npos) {
    return ErrorKind::kConfig;
  }
  return ErrorKind::kTransient;  // refused, reset, timeout, starting up
}

}  // namespace

PgConnection::~PgConnection() {
  Close();
}

void PgConnection::Close() {
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  broken_ = false;
}

bool PgConnection::healthy() const {
  return conn_ != nullptr && !broken_ && PQstatus(conn_) == CONNECTION_OK;
}

core::Status PgConnection::Open(const std::vector<std::pair<std::string, std::string>>& params, std::string display) {
  Close();
  display_ = std::move(display);
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : params) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  conn_ = PQconnectdbParams(keys.data(), values.data(), 0);
  if (conn_ == nullptr) return Fail(ErrorKind::kTransient, "cannot connect to " + display_ + ": out of memory");
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = Trimmed(PQerrorMessage(conn_));
    Close();
    return Fail(core::Error(ConnectErrorKind(msg), "cannot connect to " + display_ + ": " + core::Redact(msg)));
  }
  PQsetNoticeProcessor(conn_, DropNotice, nullptr);
  return core::Ok();
}

core::Error PgConnection::Failure(const void* result, std::string_view what) {
  const PGresult* res = static_cast<const PGresult*>(result);
  std::string state;
  if (res) {
    const char* s = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    if (s) state = s;
  }
  std::string msg = Trimmed(res && PQresultErrorMessage(res)[0] ? PQresultErrorMessage(res) : PQerrorMessage(conn_));
  ErrorKind kind = PgErrorKind(state);
  if (PQstatus(conn_) != CONNECTION_OK) {
    broken_ = true;
    kind = ErrorKind::kTransient;
    if (msg.empty()) msg = "the connection was lost";
  }
  core::Error e(kind, std::string(what) + " on " + display_ + ": " + core::Redact(msg));
  if (!state.empty()) e.WithCode(state);
  return e;
}

core::Status PgConnection::Exec(std::string_view sql) {
  if (!conn_) return Fail(ErrorKind::kTransient, "not connected to " + display_);
  PGresult* res = PQexec(conn_, std::string(sql).c_str());
  ExecStatusType st = PQresultStatus(res);
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
    PQclear(res);
    return core::Ok();
  }
  core::Error e = Failure(res, "statement failed");
  PQclear(res);
  return Fail(std::move(e));
}

core::Result<std::vector<PgRow>> PgConnection::Query(std::string_view sql, const std::vector<std::string>& params) {
  if (!conn_) return Fail(ErrorKind::kTransient, "not connected to " + display_);
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  PGresult* res = PQexecParams(conn_, std::string(sql).c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                               nullptr, nullptr, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    core::Error e = Failure(res, "query failed");
    PQclear(res);
    return Fail(std::move(e));
  }
  std::vector<PgRow> rows;
  int n = PQntuples(res), cols = PQnfields(res);
  rows.reserve(static_cast<size_t>(n));
  for (int r = 0; r < n; ++r) {
    PgRow row;
    for (int c = 0; c < cols; ++c) {
      if (PQgetisnull(res, r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c))));
      }
    }
    rows.push_back(std::move(row));
  }
  PQclear(res);
  return rows;
}

core::Status PgConnection::CopyIn(std::string_view copy_sql, std::string_view data) {
  if (!conn_) return Fail(ErrorKind::kTransient, "not connected to " + display_);
  PGresult* res = PQexec(conn_, std::string(copy_sql).c_str());
  if (PQresultStatus(res) != PGRES_COPY_IN) {
    core::Error e = Failure(res, "COPY failed");
    PQclear(res);
    return Fail(std::move(e));
  }
  PQclear(res);
  // libpq buffers what it is given and sends it in its own packets; large slices keep the call count low.
  constexpr size_t kSlice = size_t{1} << 20;
  bool sent = true;
  for (size_t off = 0; off < data.size() && sent; off += kSlice) {
    size_t len = std::min(kSlice, data.size() - off);
    sent = PQputCopyData(conn_, data.data() + off, static_cast<int>(len)) == 1;
  }
  if (!sent) {
    // The server is gone or rejected the stream; end it so the connection can report why.
    (void)PQputCopyEnd(conn_, "datasync: send failed");
  } else if (PQputCopyEnd(conn_, nullptr) != 1) {
    sent = false;
  }
  core::Status status = core::Ok();
  while (PGresult* r = PQgetResult(conn_)) {
    if (status && PQresultStatus(r) != PGRES_COMMAND_OK) status = Fail(Failure(r, "COPY failed"));
    PQclear(r);
  }
  if (status && !sent) status = Fail(Failure(nullptr, "COPY failed"));
  return status;
}

}  // namespace datasync::db::postgres
