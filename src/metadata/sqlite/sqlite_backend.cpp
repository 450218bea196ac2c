#include "metadata/sqlite/sqlite_backend.hpp"

#include <filesystem>
#include <string>

#include "metadata/sqlite/sqlite_system_db.hpp"

namespace datasync::metadata::sqlite {

namespace {

core::Result<std::unique_ptr<SystemDb>> Open(std::string_view rest, const SystemDbOpenContext& ctx) {
  std::string path(rest);
  // ":memory:" is SQLite's private in-memory database, not a file name.
  if (path != ":memory:") {
    std::filesystem::path file(path);
    if (file.is_relative() && !ctx.base_dir.empty()) file = ctx.base_dir / file;
    path = file.string();
  }
  auto db = SqliteSystemDb::Open(path, *ctx.clock);
  if (!db) return core::Fail(db.error());
  return std::unique_ptr<SystemDb>(std::move(*db));
}

}  // namespace

void RegisterSqliteSystemDb(SystemDbFactory& factory) {
  factory.Register(SystemDbBackend{
      .schemes = {"sqlite"},
      .description = "a SQLite file in WAL mode, for one host (the default)",
      .example = ".datasync/datasync.db",
      .default_for_paths = true,
      .open = Open,
  });
}

core::Result<std::unique_ptr<SystemDb>> OpenSqliteSystemDb(std::string_view location, const core::Clock& clock) {
  SystemDbFactory factory;
  RegisterSqliteSystemDb(factory);
  return factory.Open(location, {.clock = &clock});
}

}  // namespace datasync::metadata::sqlite
