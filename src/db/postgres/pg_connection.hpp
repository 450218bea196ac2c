// PgConnection: one libpq connection (the PostgreSQL client shared by the postgres sink and, later, a server
// system database): connect from keyword/value pairs, run statements and parameterised queries (text
// results), and COPY a prepared buffer FROM STDIN. Every failure comes back as a classified core::Error (see
// PgErrorKind); a lost connection is kTransient and leaves the object unhealthy, so the owner reconnects
// before its next use. Server notices are dropped (CREATE ... IF NOT EXISTS says "skipping" on every run).
//
// No call waits without a deadline (PgTimeouts): libpq runs non-blocking and every wait is a poll() on its
// socket. The connection attempt must finish within `connect`; once connected, the server must take data
// or answer within `io` of the last progress, else the connection is dropped with "no answer from
// HOST:PORT within N s" (kTransient: the server, or the path to it, went away without a reset). TCP
// keepalives and tcp_user_timeout let the kernel notice a dead peer sooner, and the session's
// statement_timeout makes the server end a statement it runs too long (57014, kTransient) before the client
// gives up on it. Interrupt() ends a wait at once from another thread (SIGTERM, a cancelled run).
//
// Lifecycle: Open() -> Exec()/Query()/CopyIn() any number of times (Open() again after !healthy()) -> Close()
// or destruction. libpq-fe.h stays inside pg_connection.cpp.
// Thread-safety: one thread at a time, except Interrupt(), which any thread may call at any time.
#pragma once

#include <atomic>
#include <chrono>
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

// How long a connection may stay silent. The defaults are what every PostgreSQL client of datasync gets;
// the sink's options (storage/postgres) map onto these fields one to one.
struct PgTimeouts {
  std::chrono::seconds connect{10};  // the whole connection attempt (TCP, TLS, authentication)
  std::chrono::seconds io{630};      // the longest wait for the server to take data or answer
  // Server side: the session's statement_timeout, and idle_in_transaction_session_timeout at `io`, so that
  // a server whose client vanished mid-transaction releases its locks. 0 = no statement timeout.
  std::chrono::seconds statement{600};
  bool keepalives = true;  // TCP keepalive probes on an idle connection
  std::chrono::seconds keepalives_idle{30};
  std::chrono::seconds keepalives_interval{10};
  int keepalives_count = 3;
  // Data the server has not acknowledged this long closes the connection (TCP_USER_TIMEOUT); 0 = the
  // system's default.
  std::chrono::seconds tcp_user_timeout{60};
};

// The libpq keywords of `t` (keepalives*, tcp_user_timeout) and its session settings merged into `params`:
// ours first, so the caller's keywords (a URL's ?keepalives=0) win; the statement timeouts appended to the
// last `options` keyword (libpq uses the last), or to a new one. Exposed for tests.
std::vector<std::pair<std::string, std::string>> WithTimeouts(
    const std::vector<std::pair<std::string, std::string>>& params, const PgTimeouts& t);

class PgConnection {
 public:
  PgConnection() = default;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;
  ~PgConnection();

  // `params` are libpq connection keywords (host, port, user, password, dbname, sslmode, ...);
  // `display` names the server in messages (never the password).
  core::Status Open(const std::vector<std::pair<std::string, std::string>>& params, std::string display,
                    const PgTimeouts& timeouts = {});
  void Close();
  bool healthy() const;

  core::Status Exec(std::string_view sql);
  core::Result<std::vector<PgRow>> Query(std::string_view sql, const std::vector<std::string>& params = {});
  // Runs `copy_sql` (COPY ... FROM STDIN) and sends `data` in the text format.
  core::Status CopyIn(std::string_view copy_sql, std::string_view data);

  // Ends the call in progress, if any, with a kTransient "interrupted" error and drops the connection (the
  // server rolls back its open transaction); every later call fails the same way at once. For the thread
  // that stops the process or the run while this connection's owner may be blocked on the server.
  void Interrupt() { interrupted_.store(true); }
  bool interrupted() const { return interrupted_.load(); }

 private:
  enum class Wait { kReady, kTimeout, kInterrupted, kFailed };
  // Waits until libpq's socket is readable (or writable, when asked), or `within` passes. With
  // `probe_input`, also until libpq has a whole answer (TLS can buffer one the socket no longer signals).
  Wait WaitSocket(bool write, std::chrono::milliseconds within, bool probe_input = false);
  // Sends what libpq buffered; then gathers results until the server is done (or one is COPY_IN, when
  // `until_copy_in`), keeping the last one in *last (the caller clears it) and the first failure.
  core::Status Flush(std::string_view what);
  core::Status Collect(std::string_view what, void** last, bool until_copy_in);
  core::Error Stalled(Wait why, std::string_view what);  // drops the connection
  core::Error Failure(const void* result, std::string_view what);
  core::Status Usable() const;
  std::string Peer() const;  // HOST:PORT of the server being talked to

  pg_conn* conn_ = nullptr;
  std::string display_;
  PgTimeouts timeouts_;
  bool broken_ = false;
  std::atomic<bool> interrupted_{false};
};

}  // namespace datasync::db::postgres
