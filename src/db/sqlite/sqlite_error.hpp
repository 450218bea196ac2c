// The one classifier of SQLite result codes: what a failure means for whoever uses the file, as a
// core::Error (kind, message with SQLite's own explanation and advice, code "SQLITE_BUSY" or
// "SQLITE_IOERR (778)" for an extended code).
//
// The kind depends on the file's role, decided once here instead of in each user:
// - both roles: a lock held past the busy timeout, a full disk and I/O errors are kTransient;
// - kSystemDb (datasync's own state): a damaged file, a file that cannot be opened and a read-only file
//   are the operator's configuration (kConfig); anything else is our bug (kInternal), constraint
//   violations included, because the stores never write a row that breaks their own schema;
// - kDataStore (a storage the sqlite sink writes vendor rows into): a constraint violation is bad input
//   (kInvalidInput), anything else fails that storage's write (kPermanent).
//
// Stateless functions; thread-safe. sqlite3.h stays in the .cpp files of this folder.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/error.hpp"

struct sqlite3;

namespace datasync::db::sqlite {

enum class Role : uint8_t {
  kSystemDb,   // datasync's system database (metadata/)
  kDataStore,  // a storage of the sqlite sink (storage/sqlite/)
};

// "SQLITE_BUSY" for a result code or any of its extended codes; "SQLITE_UNKNOWN" otherwise.
std::string_view PrimaryCodeName(int rc);

// True for SQLITE_BUSY, SQLITE_LOCKED and their extended codes.
bool IsBusy(int rc);

// The classified error for result code `rc` while doing `what` (which starts the message). `db` (may be
// null) supplies SQLite's message for this failure when it has one; otherwise the code's generic text.
core::Error MakeError(sqlite3* db, int rc, std::string_view what, Role role);

}  // namespace datasync::db::sqlite
