// The SQLite backend of the system database as the factory sees it (metadata/system_db_factory.hpp): the
// "sqlite" scheme and plain paths, resolved against the project folder, opened as a SqliteSystemDb.
//
// Thread-safety: RegisterSqliteSystemDb follows SystemDbFactory::Register (registration time only);
// OpenSqliteSystemDb may be called from any thread.
#pragma once

#include <memory>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "metadata/system_db.hpp"
#include "metadata/system_db_factory.hpp"

namespace datasync::metadata::sqlite {

void RegisterSqliteSystemDb(SystemDbFactory& factory);

// Opens "PATH", "sqlite:PATH" or "sqlite://PATH" (relative paths start at the current folder) through a
// factory holding only this backend: for tests, benchmarks and tools that have no composition root.
core::Result<std::unique_ptr<SystemDb>> OpenSqliteSystemDb(std::string_view location, const core::Clock& clock);

}  // namespace datasync::metadata::sqlite
