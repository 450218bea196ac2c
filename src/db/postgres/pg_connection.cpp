#include "db/postgres/pg_connection.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

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

using Clock = std::chrono::steady_clock;
// How often a wait looks at Interrupt(): the longest a stop request waits for a blocked call to notice it.
constexpr std::chrono::milliseconds kInterruptTick{100};
constexpr std::string_view kInterrupted = "interrupted (datasync is stopping)";

std::string Secs(std::chrono::seconds s) {
  return std::to_string(s.count());
}

}  // namespace

std::vector<std::pair<std::string, std::string>> WithTimeouts(
    const std::vector<std::pair<std::string, std::string>>& params, const PgTimeouts& t) {
  std::vector<std::pair<std::string, std::string>> out = {
      {"keepalives", t.keepalives ? "1" : "0"},
      {"keepalives_idle", Secs(t.keepalives_idle)},
      {"keepalives_interval", Secs(t.keepalives_interval)},
      {"keepalives_count", std::to_string(t.keepalives_count)},
      {"tcp_user_timeout", std::to_string(std::chrono::milliseconds(t.tcp_user_timeout).count())},
  };
  out.insert(out.end(), params.begin(), params.end());
  std::string settings = "-c idle_in_transaction_session_timeout=" + Secs(t.io) + "s";
  if (t.statement.count() > 0) settings += " -c statement_timeout=" + Secs(t.statement) + "s";
  auto last = std::find_if(out.rbegin(), out.rend(), [](const auto& kv) { return kv.first == "options"; });
  if (last == out.rend()) {
    out.emplace_back("options", settings);
  } else {
    last->second += (last->second.empty() ? "" : " ") + settings;
  }
  return out;
}

PgConnection::~PgConnection() {
  Close();
}

void PgConnection::Close() {
  // Non-blocking: the goodbye message goes out if the socket takes it, and PQfinish never waits for it.
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  broken_ = false;
}

bool PgConnection::healthy() const {
  return conn_ != nullptr && !broken_ && PQstatus(conn_) == CONNECTION_OK;
}

std::string PgConnection::Peer() const {
  const char* host = conn_ ? PQhost(conn_) : nullptr;
  const char* port = conn_ ? PQport(conn_) : nullptr;
  if (host == nullptr || host[0] == '\0') return display_;
  return std::string(host) + (port && port[0] ? ":" + std::string(port) : "");
}

PgConnection::Wait PgConnection::WaitSocket(bool write, std::chrono::milliseconds within, bool probe_input) {
  auto deadline = Clock::now() + within;
  while (true) {
    if (interrupted_.load()) return Wait::kInterrupted;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return Wait::kTimeout;
    int fd = PQsocket(conn_);
    if (fd < 0) return Wait::kFailed;
    pollfd p{fd, static_cast<short>(POLLIN | (write ? POLLOUT : 0)), 0};
    int r = poll(&p, 1, static_cast<int>(std::min(left, kInterruptTick).count()));
    if (r > 0) return Wait::kReady;  // POLLERR/POLLHUP too: libpq reads what happened
    if (r < 0 && errno != EINTR) return Wait::kFailed;
    // TLS may hold decrypted bytes the socket no longer shows as readable: each tick reads them.
    if (r == 0 && probe_input && (PQconsumeInput(conn_) == 0 || !PQisBusy(conn_))) return Wait::kReady;
  }
}

core::Status PgConnection::Open(const std::vector<std::pair<std::string, std::string>>& params, std::string display,
                                const PgTimeouts& timeouts) {
  Close();
  display_ = std::move(display);
  timeouts_ = timeouts;
  auto fail = [&](ErrorKind kind, const std::string& msg) {
    Close();
    return Fail(core::Error(kind, "cannot connect to " + display_ + ": " + core::Redact(msg)));
  };
  if (interrupted_.load()) return fail(ErrorKind::kTransient, std::string(kInterrupted));
  auto all = WithTimeouts(params, timeouts_);
  std::vector<const char*> keys, values;
  for (const auto& [k, v] : all) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  // libpq's own connect_timeout only holds in its blocking connect; this loop keeps the deadline itself
  // and looks at Interrupt() while it waits.
  conn_ = PQconnectStartParams(keys.data(), values.data(), 0);
  if (conn_ == nullptr) return Fail(ErrorKind::kTransient, "cannot connect to " + display_ + ": out of memory");
  auto deadline = Clock::now() + timeouts_.connect;
  PostgresPollingStatusType state = PQstatus(conn_) == CONNECTION_BAD ? PGRES_POLLING_FAILED : PGRES_POLLING_WRITING;
  while (state != PGRES_POLLING_OK) {
    if (state == PGRES_POLLING_FAILED) {
      std::string msg = Trimmed(PQerrorMessage(conn_));
      return fail(ConnectErrorKind(msg), msg);
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    Wait w = left.count() > 0 ? WaitSocket(state == PGRES_POLLING_WRITING, left) : Wait::kTimeout;
    if (w == Wait::kTimeout) {
      return fail(ErrorKind::kTransient,
                  "no answer from " + Peer() + " within " + Secs(timeouts_.connect) + " s (connect_timeout_secs)");
    }
    if (w == Wait::kInterrupted) return fail(ErrorKind::kTransient, std::string(kInterrupted));
    if (w == Wait::kFailed) return fail(ErrorKind::kTransient, std::string("waiting failed: ") + std::strerror(errno));
    state = PQconnectPoll(conn_);
  }
  if (PQsetnonblocking(conn_, 1) != 0) {
    std::string msg = Trimmed(PQerrorMessage(conn_));
    return fail(ErrorKind::kTransient, msg);
  }
  PQsetNoticeProcessor(conn_, DropNotice, nullptr);
  return core::Ok();
}

core::Status PgConnection::Usable() const {
  if (interrupted_.load()) {
    return Fail(ErrorKind::kTransient, "nothing more is sent to " + display_ + ": " + std::string(kInterrupted));
  }
  if (!conn_) return Fail(ErrorKind::kTransient, "not connected to " + display_);
  if (broken_) return Fail(ErrorKind::kTransient, "the connection to " + display_ + " was lost");
  return core::Ok();
}

core::Error PgConnection::Stalled(Wait why, std::string_view what) {
  std::string reason;
  switch (why) {
    case Wait::kTimeout:
      reason = "no answer from " + Peer() + " within " + Secs(timeouts_.io) +
               " s (io_timeout_secs); the connection was dropped";
      break;
    case Wait::kInterrupted:
      reason =
          std::string(kInterrupted) + "; the connection was dropped, so the server rolls back its open transaction";
      break;
    case Wait::kFailed:
    case Wait::kReady:  // not a stall; listed for the switch
      reason = std::string("waiting for the server failed: ") + std::strerror(errno);
      break;
  }
  // Whatever libpq has half sent or half read is useless now: the next use reconnects.
  Close();
  return core::Error(ErrorKind::kTransient, std::string(what) + " on " + display_ + ": " + reason);
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

core::Status PgConnection::Flush(std::string_view what) {
  while (true) {
    int r = PQflush(conn_);
    if (r == 0) return core::Ok();
    if (r < 0) return Fail(Failure(nullptr, what));
    // The server may answer (an error) while we still send: read it, or both sides wait on full buffers.
    if (Wait w = WaitSocket(/*write=*/true, timeouts_.io); w != Wait::kReady) return Fail(Stalled(w, what));
    if (PQconsumeInput(conn_) == 0) return Fail(Failure(nullptr, what));
  }
}

core::Status PgConnection::Collect(std::string_view what, void** last, bool until_copy_in) {
  std::optional<core::Error> first;
  auto keep = [&](PGresult* r) {
    if (*last) PQclear(static_cast<PGresult*>(*last));
    *last = r;
  };
  while (true) {
    while (PQisBusy(conn_)) {
      if (Wait w = WaitSocket(/*write=*/false, timeouts_.io, /*probe_input=*/true); w != Wait::kReady) {
        keep(nullptr);
        return Fail(Stalled(w, what));
      }
      if (PQconsumeInput(conn_) == 0) {
        keep(nullptr);
        return Fail(first ? *first : Failure(nullptr, what));
      }
    }
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) break;
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COPY_IN && until_copy_in) {
      keep(r);
      break;
    }
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
      // A statement that starts a COPY where none was expected: end it, then read how it ended.
      PQclear(r);
      if (!first)
        first = core::Error(ErrorKind::kInternal, std::string(what) + " on " + display_ + ": unexpected COPY");
      if (st == PGRES_COPY_IN) (void)PQputCopyEnd(conn_, "datasync: no COPY expected");
      if (auto f = Flush(what); !f) return f;
      if (st != PGRES_COPY_IN) return Fail(*first);  // cannot be ended from here; the caller reconnects
      continue;
    }
    if (st == PGRES_FATAL_ERROR || st == PGRES_BAD_RESPONSE || st == PGRES_NONFATAL_ERROR) {
      if (!first) first = Failure(r, what);
      PQclear(r);
      continue;
    }
    keep(r);
  }
  if (first) {
    keep(nullptr);
    return Fail(*first);
  }
  return core::Ok();
}

core::Status PgConnection::Exec(std::string_view sql) {
  constexpr std::string_view kWhat = "statement failed";
  if (auto st = Usable(); !st) return st;
  if (PQsendQuery(conn_, std::string(sql).c_str()) != 1) return Fail(Failure(nullptr, kWhat));
  if (auto st = Flush(kWhat); !st) return st;
  void* last = nullptr;
  auto st = Collect(kWhat, &last, false);
  PQclear(static_cast<PGresult*>(last));
  return st;
}

core::Result<std::vector<PgRow>> PgConnection::Query(std::string_view sql, const std::vector<std::string>& params) {
  constexpr std::string_view kWhat = "query failed";
  if (auto st = Usable(); !st) return Fail(st.error());
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  if (PQsendQueryParams(conn_, std::string(sql).c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                        nullptr, nullptr, 0) != 1) {
    return Fail(Failure(nullptr, kWhat));
  }
  if (auto st = Flush(kWhat); !st) return Fail(st.error());
  void* last = nullptr;
  if (auto st = Collect(kWhat, &last, false); !st) return Fail(st.error());
  PGresult* res = static_cast<PGresult*>(last);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    core::Error e = Failure(res, kWhat);
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
  constexpr std::string_view kWhat = "COPY failed";
  if (auto st = Usable(); !st) return st;
  if (PQsendQuery(conn_, std::string(copy_sql).c_str()) != 1) return Fail(Failure(nullptr, kWhat));
  if (auto st = Flush(kWhat); !st) return st;
  void* last = nullptr;
  if (auto st = Collect(kWhat, &last, true); !st) return st;
  bool copying = PQresultStatus(static_cast<PGresult*>(last)) == PGRES_COPY_IN;
  PQclear(static_cast<PGresult*>(last));
  if (!copying) return Fail(ErrorKind::kInternal, std::string(kWhat) + " on " + display_ + ": the server took no data");
  // libpq buffers what it is given; each slice is sent before the next is queued, so the buffer stays
  // small and every wait for the server to take data has the io deadline.
  constexpr size_t kSlice = size_t{1} << 20;
  bool sent = true;
  for (size_t off = 0; off < data.size() && sent; off += kSlice) {
    size_t len = std::min(kSlice, data.size() - off);
    int r = PQputCopyData(conn_, data.data() + off, static_cast<int>(len));
    if (r == 0) {  // no room in libpq's buffer: send what it holds, then try once more
      if (auto st = Flush(kWhat); !st) return st;
      r = PQputCopyData(conn_, data.data() + off, static_cast<int>(len));
    }
    sent = r == 1;
    if (sent) {
      if (auto st = Flush(kWhat); !st) return st;
    }
  }
  // The server is gone or rejected the stream: end it so the connection can report why.
  if (PQputCopyEnd(conn_, sent ? nullptr : "datasync: send failed") != 1) sent = false;
  if (auto st = Flush(kWhat); !st) return st;
  last = nullptr;
  core::Status status = Collect(kWhat, &last, false);
  PQclear(static_cast<PGresult*>(last));
  if (status && !sent) status = Fail(Failure(nullptr, kWhat));
  return status;
}

}  // namespace datasync::db::postgres
