// FileSink's part staging: Write stages a unit's rows in temps next to their final names (one per
// partition folder), Commit makes them durable and renames them into place, Abort deletes them.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <numeric>

#include "core/crash_point.hpp"
#include "storage/files/file_names.hpp"
#include "storage/files/file_sink.hpp"
#include "storage/files/fs_util.hpp"
#include "storage/files/part_layout.hpp"

namespace datasync::storage::files {

using core::ErrorKind;
using core::Fail;
using core::Status;
namespace fs = std::filesystem;

namespace {

// A temp file's buffer is written out once it holds this much, and every buffer once all of them together
// hold kFlushAllBytes, so memory stays flat however many rows or partitions a unit has.
constexpr size_t kFlushFileBytes = size_t{1} << 20;
constexpr size_t kFlushAllBytes = size_t{16} << 20;

int RetryOpen(const char* path, int flags, mode_t mode = 0644) {
  int fd;
  do {
    fd = ::open(path, flags, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

}  // namespace

core::Result<int64_t> FileSink::WriteImpl(const core::ColumnBatch& batch, std::string_view unit_id) {
  if (unit_id.empty()) return Fail(ErrorKind::kInternal, "Write without a unit id");
  if (auto st = batch.Validate(); !st) return Fail(st.error());
  auto bytes = StageRows(batch, unit_id);
  // A failed Write discards every uncommitted write, as Abort would (see the header): a temp that took
  // half a buffer must never be committed.
  if (!bytes) (void)AbortImpl();
  return bytes;
}

core::Result<int64_t> FileSink::StageRows(const core::ColumnBatch& batch, std::string_view unit_id) {
  auto [it, inserted] = pending_.try_emplace(std::string(unit_id));
  PendingUnit& unit = it->second;
  if (inserted) {
    unit.safe_name = SafeFileName(unit_id);
    if (history_) {
      unit.base_name = unit.safe_name;
      unit.stamp_us = NextStamp(unit.base_name);
      unit.safe_name += ".v" + std::to_string(unit.stamp_us);
    }
  }
  // A unit without rows has no file: Commit removes its earlier ones (or, under history, records it empty).
  if (batch.num_rows() == 0) return int64_t{0};
  std::optional<core::ColumnBatch> versioned;
  if (history_) versioned = WithVersionColumns(batch, unit_id, unit.stamp_us);
  const core::ColumnBatch& rows_out = versioned ? *versioned : batch;

  // Group row indices by destination folder, keeping each group in row order.
  std::map<std::string, std::vector<uint32_t>> groups;
  if (!partition_) {
    auto& rows = groups[""];
    rows.resize(batch.num_rows());
    std::iota(rows.begin(), rows.end(), uint32_t{0});
  } else {
    const core::Column& key = batch.column(partition_->column());
    std::string last_folder;
    std::vector<uint32_t>* last_rows = nullptr;
    for (size_t r = 0; r < batch.num_rows(); ++r) {
      std::string folder = partition_->FolderName(key, r);
      if (!last_rows || folder != last_folder) {
        last_rows = &groups[folder];
        last_folder = std::move(folder);
      }
      last_rows->push_back(static_cast<uint32_t>(r));
    }
  }

  int64_t bytes = 0;
  for (auto& [folder, rows] : groups) {
    auto [fit, created] = unit.files.try_emplace(folder);
    PendingFile& file = fit->second;
    size_t before = file.buffer.size();
    if (created) {
      if (auto st = StartFile(unit, folder, file); !st) return Fail(st.error());
    }
    if (history_) {
      for (uint32_t r : rows) file.digest.Add(batch, r);
    }
    if (auto st = file.writer->WriteRows(rows_out, rows, file.buffer); !st) return Fail(st.error());
    size_t added = file.buffer.size() - before;
    bytes += static_cast<int64_t>(added);
    buffered_bytes_ += added;
    if (file.buffer.size() >= kFlushFileBytes) {
      if (auto st = Flush(unit, folder, file); !st) return Fail(st.error());
    }
  }
  if (buffered_bytes_ >= kFlushAllBytes) {
    if (auto st = FlushAll(); !st) return Fail(st.error());
  }
  return bytes;
}

Status FileSink::CommitImpl() {
  Status st = PublishPending();
  // Whatever could not be published is discarded, as after a failed Write; units already renamed into
  // place are complete files, so the store never holds half a unit.
  if (!st) (void)AbortImpl();
  return st;
}

Status FileSink::StartFile(const PendingUnit& unit, const std::string& folder, PendingFile& file) {
  file.writer = format_->NewWriter(history_ ? *version_schema_ : *bind_context().schema);
  if (!file.writer->WritesOwnFile()) return file.writer->Begin(file.buffer);
  fs::path dir = folder_.Path(folder);
  if (auto st = EnsureDirectory(dir); !st) return st;
  folder_.AddFolder(folder);
  file.own_file = true;
  file.on_disk = true;  // from here on Abort must remove whatever the library left there
  return file.writer->BeginFile(dir / ("." + PartName(unit) + std::string(kTempSuffix)));
}

Status FileSink::PublishPending() {
  // 0. History: a unit that came back empty after it had rows gets an empty version (AddEmptyVersions).
  if (history_) {
    if (auto st = AddEmptyVersions(); !st) return st;
  }
  // 1. Finish every temp and make its bytes durable before any of them becomes visible.
  for (auto& [unit_id, unit] : pending_) {
    for (auto& [folder, file] : unit.files) {
      size_t before = file.buffer.size();
      if (auto st = file.writer->End(file.buffer); !st) return st;
      fs::path tmp = folder_.Path(folder) / ("." + PartName(unit) + std::string(kTempSuffix));
      if (file.own_file) {
        if (!file.buffer.empty()) return Fail(ErrorKind::kInternal, "a format that writes its own file left bytes");
        struct stat st {};
        if (::stat(tmp.c_str(), &st) != 0) return Fail(IoError("cannot find the written file", tmp, errno));
        AddPendingBytes(st.st_size);
      } else {
        // Footers and whatever a format held back until End count as written bytes too.
        AddPendingBytes(static_cast<int64_t>(file.buffer.size() - before));
        buffered_bytes_ += file.buffer.size() - before;
        if (!file.buffer.empty() || !file.on_disk) {
          if (auto st = Flush(unit, folder, file); !st) return st;
        }
      }
      if (auto st = SyncPath(tmp); !st) return st;
    }
  }
  // 2. Publish each temp under its final name, replacing the unit's earlier file.
  std::set<std::string> touched;
  for (auto& [unit_id, unit] : pending_) {
    if (history_) {
      if (auto st = PublishVersion(unit, touched); !st) return st;
      continue;
    }
    std::string part = PartName(unit);
    for (auto& [folder, file] : unit.files) {
      fs::path dir = folder_.Path(folder);
      fs::path tmp = dir / ("." + part + std::string(kTempSuffix));
      if (::rename(tmp.c_str(), (dir / part).c_str()) != 0) {
        return Fail(IoError("cannot rename into place", dir / part, errno));
      }
      core::CrashPoint("rename", bind_context().storage_name);
      file.on_disk = false;
      touched.insert(folder);
    }
    // 3. The unit's rows left the partitions it no longer has rows in.
    for (const auto& folder : folder_.folders()) {
      if (unit.files.count(folder)) continue;
      fs::path stale = folder_.Path(folder) / part;
      if (::unlink(stale.c_str()) == 0) {
        touched.insert(folder);
      } else if (errno != ENOENT) {
        return Fail(IoError("cannot remove the unit's earlier file", stale, errno));
      }
    }
  }
  // 3b. A unit that compaction merged into a compacted file lives in its new part file now. Writers that
  // share the dataset take turns rewriting merged files, so no rewrite undoes another's.
  if (folder_.has_compacted() && !history_) {
    std::unique_ptr<DatasetLock> merge_lock;
    if (lock_ && lock_->mode() == DatasetLock::Mode::kShared) {
      auto got = DatasetLock::Acquire(root_, safe_dataset_, DatasetLock::Mode::kExclusive, kLockWait, "merge.lock");
      if (!got) return Fail(got.error());
      merge_lock = std::move(*got);
    }
    std::set<std::string> units;
    for (const auto& [unit_id, unit] : pending_) units.insert(unit.safe_name);
    if (auto st = folder_.DropUnits(units, touched); !st) return st;
  }
  // 4. Make the renames and removals durable.
  for (const auto& folder : touched) {
    if (auto st = SyncPath(folder_.Path(folder)); !st) return st;
  }
  DropPending();
  return core::Ok();
}

void FileSink::DropPending() {
  pending_.clear();
  buffered_bytes_ = 0;
}

Status FileSink::AbortImpl() {
  Status result = core::Ok();
  for (auto& [unit_id, unit] : pending_) {
    for (auto& [folder, file] : unit.files) {
      if (!file.on_disk) continue;
      fs::path tmp = folder_.Path(folder) / ("." + PartName(unit) + std::string(kTempSuffix));
      if (auto st = RemoveFileIfExists(tmp); !st && result) result = st;
    }
  }
  DropPending();
  return result;
}

std::string FileSink::PartName(const PendingUnit& unit) const {
  return "part-" + unit.safe_name + "." + std::string(format_->extension());
}

Status FileSink::Flush(const PendingUnit& unit, const std::string& folder, PendingFile& file) {
  if (file.own_file) return core::Ok();
  fs::path dir = folder_.Path(folder);
  fs::path tmp = dir / ("." + PartName(unit) + std::string(kTempSuffix));
  int flags = O_WRONLY | O_CLOEXEC;
  if (!file.on_disk) {
    if (auto st = EnsureDirectory(dir); !st) return st;
    folder_.AddFolder(folder);
    flags |= O_CREAT | O_TRUNC;
  } else {
    flags |= O_APPEND;
  }
  int fd = RetryOpen(tmp.c_str(), flags);
  if (fd < 0) return Fail(IoError(file.on_disk ? "cannot reopen" : "cannot create", tmp, errno));
  file.on_disk = true;
  Status st = WriteAll(fd, file.buffer, tmp);
  ::close(fd);
  if (!st) return st;
  buffered_bytes_ -= file.buffer.size();
  file.buffer.clear();
  if (file.buffer.capacity() > 2 * kFlushFileBytes) file.buffer.shrink_to_fit();
  return core::Ok();
}

Status FileSink::FlushAll() {
  for (auto& [unit_id, unit] : pending_) {
    for (auto& [folder, file] : unit.files) {
      if (file.buffer.empty()) continue;
      if (auto st = Flush(unit, folder, file); !st) return st;
    }
  }
  return core::Ok();
}

}  // namespace datasync::storage::files
