#include "db/sqlite/sqlite_error.hpp"

#include <sqlite3.h>

#include <string>

namespace datasync::db::sqlite {

using core::ErrorKind;

std::string_view PrimaryCodeName(int rc) {
  switch (rc & 0xff) {
    case SQLITE_ERROR: return "SQLITE_ERROR";
    case SQLITE_INTERNAL: return "SQLITE_INTERNAL";
    case SQLITE_PERM: return "SQLITE_PERM";
    case SQLITE_ABORT: return "SQLITE_ABORT";
    case SQLITE_BUSY: return "SQLITE_BUSY";
    case SQLITE_LOCKED: return "SQLITE_LOCKED";
    case SQLITE_NOMEM: return "SQLITE_NOMEM";
    case SQLITE_READONLY: return "SQLITE_READONLY";
    case SQLITE_INTERRUPT: return "SQLITE_INTERRUPT";
    case SQLITE_IOERR: return "SQLITE_IOERR";
    case SQLITE_CORRUPT: return "SQLITE_CORRUPT";
    case SQLITE_NOTFOUND: return "SQLITE_NOTFOUND";
    case SQLITE_FULL: return "SQLITE_FULL";
    case SQLITE_CANTOPEN: return "SQLITE_CANTOPEN";
    case SQLITE_PROTOCOL: return "SQLITE_PROTOCOL";
    case SQLITE_SCHEMA: return "SQLITE_SCHEMA";
    case SQLITE_TOOBIG: return "SQLITE_TOOBIG";
    case SQLITE_CONSTRAINT: return "SQLITE_CONSTRAINT";
    case SQLITE_MISMATCH: return "SQLITE_MISMATCH";
    case SQLITE_MISUSE: return "SQLITE_MISUSE";
    case SQLITE_AUTH: return "SQLITE_AUTH";
    case SQLITE_RANGE: return "SQLITE_RANGE";
    case SQLITE_NOTADB: return "SQLITE_NOTADB";
    default: return "SQLITE_UNKNOWN";
  }
}

bool IsBusy(int rc) {
  return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

namespace {

struct Classification {
  ErrorKind kind;
  std::string_view advice;  // appended to the message, starts with " (" when not empty
};

Classification Classify(int rc, Role role) {
  const bool system = role == Role::kSystemDb;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return {ErrorKind::kTransient,
              system ? " (another connection held the lock longer than the busy timeout; retry, or check for a "
                       "stuck datasync process using this file)"
                     : " (another process holds the database lock; raise busy_timeout_ms if this repeats)"};
    case SQLITE_FULL:
      return {ErrorKind::kTransient, system ? " (the disk is full; free space and retry)"
                                            : " (disk full or I/O error; free space or check the disk)"};
    case SQLITE_IOERR:
      return {ErrorKind::kTransient, system ? " (I/O error reading or writing the file; check the disk, then retry)"
                                            : " (disk full or I/O error; free space or check the disk)"};
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      if (!system) break;
      return {ErrorKind::kConfig,
              " (the file is not a SQLite database or is damaged; point system_db at another path, or move "
              "this file aside and let datasync create a new one, or restore it from a backup)"};
    case SQLITE_CANTOPEN:
      if (!system) break;
      return {ErrorKind::kConfig, " (check that the path names a file in an existing, writable folder)"};
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      if (!system) break;
      return {ErrorKind::kConfig, " (the file or its folder is not writable by this user; fix the permissions)"};
    case SQLITE_CONSTRAINT:
      if (system) break;
      return {ErrorKind::kInvalidInput, ""};
    default: break;
  }
  return {system ? ErrorKind::kInternal : ErrorKind::kPermanent, ""};
}

// SQLite's own explanation of `rc`: the connection's message when it describes this failure (it names the
// table, column or constraint), otherwise the generic text of the code.
std::string Explanation(sqlite3* db, int rc) {
  if (db != nullptr && sqlite3_extended_errcode(db) == rc) return sqlite3_errmsg(db);
  return sqlite3_errstr(rc);
}

}  // namespace

core::Error MakeError(sqlite3* db, int rc, std::string_view what, Role role) {
  Classification c = Classify(rc, role);
  int primary = rc & 0xff;
  std::string code(PrimaryCodeName(primary));
  if (rc != primary) code += " (" + std::to_string(rc) + ")";
  return core::Error(c.kind, std::string(what) + ": " + Explanation(db, rc) + std::string(c.advice))
      .WithCode(std::move(code));
}

}  // namespace datasync::db::sqlite
