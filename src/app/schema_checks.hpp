// SchemaCheckLog: when each imported dataset was last compared with its doc page, so the scheduled
// refresh (ProjectSettings::schema_refresh_hours) fetches a page at most once per interval, across
// processes. Kept in .datasync/schema_checks.json ({"datasets": {"NAME": epoch_us}}), written to a
// temporary file and renamed, so a crash never leaves it half written; a file that cannot be read counts
// as "never checked" (the worst case is one extra fetch). Not thread-safe: a value that one thread loads,
// changes and saves; dataset_service does that under one lock.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace datasync::app {

class SchemaCheckLog {
 public:
  static SchemaCheckLog Load(const std::filesystem::path& state_dir);

  std::optional<int64_t> LastChecked(const std::string& dataset) const;
  void Record(const std::string& dataset, int64_t at_us) { checked_[dataset] = at_us; }
  // True when a check is due at `now_us`: never checked, or checked `every_hours` or longer ago.
  // `every_hours` 0 means never due.
  bool Due(const std::string& dataset, int64_t now_us, int64_t every_hours) const;
  core::Status Save() const;

 private:
  std::filesystem::path path_;
  std::map<std::string, int64_t> checked_;
};

}  // namespace datasync::app
