#include "metadata/system_db.hpp"

#include <string>

#include "core/strings.hpp"
#include "metadata/sqlite/sqlite_system_db.hpp"

namespace datasync::metadata {

// Accepted locations: "PATH", "sqlite:PATH" and "sqlite://PATH" (so "sqlite:///abs/file.db" is an absolute
// path). Any other "scheme://" is a server URL; it is never echoed back because it may carry a password.
core::Result<std::unique_ptr<SystemDb>> OpenSystemDb(std::string_view location, const core::Clock& clock) {
  std::string_view rest = core::Trim(location);
  if (rest.starts_with("sqlite:")) {
    rest.remove_prefix(7);
    if (rest.starts_with("//")) rest.remove_prefix(2);
  } else if (auto scheme_end = rest.find("://"); scheme_end != std::string_view::npos) {
    return core::Fail(core::ErrorKind::kConfig,
                      "system_db: the '" + std::string(rest.substr(0, scheme_end)) +
                          "' scheme is not supported by this build; use a file path or sqlite:PATH "
                          "(for example sqlite:.datasync/datasync.db)");
  }
  if (rest.empty()) {
    return core::Fail(core::ErrorKind::kConfig,
                      "system_db: the location is empty; use a file path or sqlite:PATH (for example "
                      "sqlite:.datasync/datasync.db)");
  }
  auto db = SqliteSystemDb::Open(std::string(rest), clock);
  if (!db) return core::Fail(db.error());
  return std::unique_ptr<SystemDb>(std::move(*db));
}

}  // namespace datasync::metadata
