// FileSink's history (history: true; the layout is in part_versions.hpp): the version columns added to each
// unit's rows, the version stamps, the empty version of a unit that came back without rows, and each
// version's publication (or none, when the unit's rows equal its newest version's).

#include <cerrno>
#include <chrono>
#include <cstdio>

#include "core/crash_point.hpp"
#include "storage/files/file_sink.hpp"
#include "storage/files/fs_util.hpp"
#include "storage/files/part_layout.hpp"

namespace datasync::storage::files {

using core::Fail;
using core::Status;
namespace fs = std::filesystem;

core::ColumnBatch FileSink::WithVersionColumns(const core::ColumnBatch& batch, std::string_view unit_id,
                                               int64_t stamp_us) const {
  core::ColumnBatch out(version_schema_);
  const size_t n = batch.num_columns();
  for (size_t i = 0; i < n; ++i) out.column(i) = batch.column(i);
  core::Column& unit = out.column(n);
  core::Column& from = out.column(n + 1);
  const size_t rows = batch.num_rows();
  unit.Reserve(rows, rows * unit_id.size());
  from.Reserve(rows);
  for (size_t r = 0; r < rows; ++r) {
    unit.AppendString(unit_id);
    from.AppendInt64(stamp_us);
  }
  return out;
}

int64_t FileSink::NextStamp(const std::string& base_name) {
  int64_t now =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  // After the unit's newest version on disk (a clock set back must not put a new version before an old one),
  // and after every stamp this sink gave.
  int64_t stamp = std::max(now, last_stamp_ + 1);
  if (auto it = versions_.find(base_name); it != versions_.end()) stamp = std::max(stamp, it->second.stamp_us + 1);
  last_stamp_ = stamp;
  return stamp;
}

Status FileSink::AddEmptyVersions() {
  for (auto& [unit_id, unit] : pending_) {
    if (!unit.files.empty()) continue;
    auto latest = versions_.find(unit.base_name);
    if (latest == versions_.end()) continue;  // never had rows: nothing to record
    bool had_rows = false;
    for (const auto& [folder, digest] : latest->second.digests) had_rows = had_rows || digest != 0;
    if (!had_rows) continue;  // already empty
    // One file in the dataset's folder, the unit's newest version, holding one marker row: every field NULL
    // (the key too, which no stored row has), so that a query over the rows sees that the unit's rows are gone.
    // datasync's readers know the version is empty by its digest (0) and do not read it.
    PendingFile& file = unit.files[""];
    if (auto st = StartFile(unit, "", file); !st) return st;
    core::ColumnBatch marker(version_schema_);
    const size_t n = version_schema_->size() - 2;
    for (size_t i = 0; i < n; ++i) marker.column(i).AppendNull();
    marker.column(n).AppendString(unit_id);
    marker.column(n + 1).AppendInt64(unit.stamp_us);
    const uint32_t row = 0;
    if (auto st = file.writer->WriteRows(marker, std::span<const uint32_t>(&row, 1), file.buffer); !st) return st;
  }
  return core::Ok();
}

Status FileSink::PublishVersion(PendingUnit& unit, std::set<std::string>& touched) {
  if (unit.files.empty()) return core::Ok();  // empty, as its newest version is (or it never had rows)
  UnitVersion next{unit.stamp_us, {}};
  for (const auto& [folder, file] : unit.files) next.digests[folder] = file.digest.value();
  auto latest = versions_.find(unit.base_name);
  if (latest != versions_.end() && latest->second.digests == next.digests) {
    // The vendor repeated the newest version: none is added, and its _valid_from stays when it was first
    // learned.
    for (auto& [folder, file] : unit.files) {
      fs::path tmp = folder_.Path(folder) / ("." + PartName(unit) + std::string(kTempSuffix));
      if (auto st = RemoveFileIfExists(tmp); !st) return st;
      file.on_disk = false;
    }
    return core::Ok();
  }
  for (auto& [folder, file] : unit.files) {
    fs::path dir = folder_.Path(folder);
    fs::path tmp = dir / ("." + PartName(unit) + std::string(kTempSuffix));
    std::string part = std::string(kPartPrefix) +
                       VersionedUnitName(unit.base_name, unit.stamp_us, next.digests[folder]) + "." +
                       std::string(format_->extension());
    if (::rename(tmp.c_str(), (dir / part).c_str()) != 0) {
      return Fail(IoError("cannot rename into place", dir / part, errno));
    }
    core::CrashPoint("rename", bind_context().storage_name);
    file.on_disk = false;
    touched.insert(folder);
  }
  versions_[unit.base_name] = std::move(next);
  return core::Ok();
}

}  // namespace datasync::storage::files
