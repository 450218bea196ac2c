#include "storage/files/file_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <numeric>

#include "core/strings.hpp"
#include "storage/files/file_names.hpp"
#include "storage/files/fs_util.hpp"

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

constexpr std::string_view kTempPrefix = ".part-";
constexpr std::string_view kTempSuffix = ".tmp";

int RetryOpen(const char* path, int flags, mode_t mode = 0644) {
  int fd;
  do {
    fd = ::open(path, flags, mode);
  } while (fd < 0 && errno == EINTR);
  return fd;
}

Status WriteAll(int fd, std::string_view bytes, const fs::path& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(IoError("cannot write", path, errno));
    }
    done += static_cast<size_t>(n);
  }
  return core::Ok();
}

bool Exists(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

std::string RunMarkerName(int64_t run_id) {
  return ".run-" + std::to_string(run_id);
}

}  // namespace

void AppendCommonFileOptions(std::vector<core::OptionSpec>& table) {
  table.push_back({"path", core::OptionType::kPath, "", true, "",
                   "root folder; each dataset gets a sub-folder (relative paths start at the project folder)"});
  table.push_back({"partition_by", core::OptionType::kString, "", false, "",
                   "field whose value (or its year/month/day) names a Hive-style sub-folder key=value; empty: "
                   "no partitions"});
  table.push_back({"partition_granularity",
                   core::OptionType::kEnum,
                   "value",
                   false,
                   "",
                   "how partition_by becomes a folder: its value, or the year, month or day of a date/timestamp",
                   {"value", "year", "month", "day"}});
}

SinkCapabilities FileSink::capabilities() const {
  SinkCapabilities caps;
  caps.append = true;
  caps.upsert = false;
  caps.idempotent_units = true;
  caps.replace = true;
  caps.schema_evolution = true;
  caps.concurrent_writers = false;
  return caps;
}

Status FileSink::BindImpl(const BindContext& ctx) {
  options_ = ctx.options;
  if (auto st = options_.ApplyDefaults(option_specs(), "storage '" + ctx.storage_name + "'"); !st) return st;
  std::string path = options_.GetString("path");
  if (path.empty()) return Fail(ErrorKind::kConfig, "option 'path' is empty; set it to the root folder");
  root_ = fs::path(path);
  if (root_.is_relative()) root_ = ctx.project_dir / root_;
  root_ = root_.lexically_normal();
  std::error_code ec;
  if (Exists(root_) && !fs::is_directory(root_, ec)) {
    return Fail(ErrorKind::kConfig, "path '" + root_.string() + "' exists but is not a folder");
  }

  const core::Schema& schema = *ctx.schema;
  if (schema.size() == 0) return Fail(ErrorKind::kConfig, "the dataset has no fields");
  std::set<std::string_view> seen;
  for (const auto& f : schema.fields()) {
    if (f.name.empty()) return Fail(ErrorKind::kConfig, "the dataset has a field with an empty name");
    if (!seen.insert(f.name).second) {
      return Fail(ErrorKind::kConfig, "the dataset has two fields named '" + f.name + "'");
    }
  }
  if (ctx.dataset.empty()) return Fail(ErrorKind::kConfig, "the dataset name is empty");

  auto partition = PartitionSpec::FromOptions(schema, options_);
  if (!partition) return Fail(partition.error());
  partition_ = std::move(*partition);
  auto format = MakeFormat(options_);
  if (!format) return Fail(format.error());
  format_ = std::move(*format);

  mode_ = ctx.mode;
  safe_dataset_ = SafeFileName(ctx.dataset);
  dataset_dir_ = root_ / safe_dataset_;

  sidecar_ = SchemaSidecar{};
  sidecar_.dataset = ctx.dataset;
  sidecar_.format = std::string(format_->name());
  sidecar_.fields = schema.fields();
  sidecar_.primary_key = ctx.primary_key;
  if (partition_) {
    sidecar_.partition_by = partition_->field();
    sidecar_.partition_granularity = std::string(PartitionGranularityName(partition_->granularity()));
    sidecar_.partition_key = partition_->key();
  }
  sidecar_.format_settings = format_->ReaderSettings();
  // The sidecar stores them as a JSON object, which reads back sorted; compare like with like.
  std::sort(sidecar_.format_settings.begin(), sidecar_.format_settings.end());
  return core::Ok();
}

Status FileSink::MigrateImpl() {
  if (auto st = EnsureDirectory(root_); !st) return st;
  // Mode replace rewrites everything into a fresh staging folder (OpenStaging), so it inherits nothing.
  if (mode_ == WriteMode::kReplace) return core::Ok();
  if (auto st = EnsureDirectory(dataset_dir_); !st) return st;
  auto previous = ReadSidecar(dataset_dir_);
  if (!previous) return Fail(previous.error());
  SchemaSidecar next = sidecar_;
  if (*previous) {
    const SchemaSidecar& old = **previous;
    auto refuse = [&](const std::string& what) {
      return Fail(ErrorKind::kConfig, "folder '" + dataset_dir_.string() + "' holds data written with " + what +
                                          "; the existing files would no longer read back. Write once with mode "
                                          "replace to rewrite them, or use another path");
    };
    if (old.format != next.format) return refuse("format " + old.format);
    if (old.format_settings != next.format_settings) return refuse("other format settings");
    if (old.partition_by != next.partition_by || old.partition_granularity != next.partition_granularity) {
      return refuse("another partitioning");
    }
    auto evolved = EvolveSidecar(old, std::move(next));
    if (!evolved) return Fail(evolved.error());
    next = std::move(*evolved);
    if (next == old) {
      sidecar_ = std::move(next);
      return core::Ok();
    }
  }
  sidecar_ = next;
  return WriteSidecar(dataset_dir_, sidecar_);
}

Status FileSink::OpenImpl(const RunContext& run) {
  run_id_ = run.run_id;
  DropPending();
  if (mode_ == WriteMode::kReplace) {
    if (auto st = OpenStaging(); !st) return st;
  } else {
    write_dir_ = dataset_dir_;
  }
  return ScanWriteDir();
}

Status FileSink::OpenStaging() {
  fs::path staging = root_ / ("." + safe_dataset_ + ".staging-" + std::to_string(run_id_));
  std::string marker = RunMarkerName(run_id_);
  publish_pending_ = true;
  if (Exists(dataset_dir_ / marker)) {
    // This run already published (a crash after the swap); further writes go to the published folder.
    publish_pending_ = false;
    write_dir_ = dataset_dir_;
    return RemoveTree(staging);
  }
  // The fallback publish (two renames) moves the old data here first; if it was interrupted after the
  // second rename, the old data is still lying around.
  if (Exists(dataset_dir_)) {
    if (auto st = RemoveTree(root_ / ("." + safe_dataset_ + ".old-" + std::to_string(run_id_))); !st) return st;
  }
  // A staging folder without this run's marker is the old data an interrupted swap left behind.
  if (Exists(staging) && !Exists(staging / marker)) {
    if (auto st = RemoveTree(staging); !st) return st;
  }
  if (auto st = EnsureDirectory(staging); !st) return st;
  if (!Exists(staging / marker)) {
    if (auto st = WriteFileAtomically(staging / marker, std::to_string(run_id_) + "\n"); !st) return st;
  }
  if (auto st = WriteSidecar(staging, sidecar_); !st) return st;
  write_dir_ = staging;
  return core::Ok();
}

Status FileSink::ScanWriteDir() {
  known_folders_.clear();
  known_folders_.insert("");
  std::error_code ec;
  std::vector<fs::path> folders{write_dir_};
  for (fs::directory_iterator it(write_dir_, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.empty() || name[0] == '.' || name[0] == '_') continue;
    if (it->is_directory(ec) && name.find('=') != std::string::npos) {
      known_folders_.insert(name);
      folders.push_back(it->path());
    }
  }
  if (ec) return Fail(IoError("cannot list folder", write_dir_, ec.value()));
  // Temps a crashed run left behind: nobody else writes this folder (no concurrent writers), so they are
  // garbage. Readers skip them anyway; removing them keeps the folder clean.
  for (const auto& folder : folders) {
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with(kTempPrefix) && name.ends_with(kTempSuffix)) {
        if (auto st = RemoveFileIfExists(it->path()); !st) return st;
      }
    }
    if (ec) return Fail(IoError("cannot list folder", folder, ec.value()));
  }
  return core::Ok();
}

std::string FileSink::PartName(const PendingUnit& unit) const {
  return "part-" + unit.safe_name + "." + std::string(format_->extension());
}

fs::path FileSink::FolderPath(const std::string& folder) const {
  return folder.empty() ? write_dir_ : write_dir_ / folder;
}

Status FileSink::Flush(const PendingUnit& unit, const std::string& folder, PendingFile& file) {
  fs::path dir = FolderPath(folder);
  fs::path tmp = dir / ("." + PartName(unit) + std::string(kTempSuffix));
  int flags = O_WRONLY | O_CLOEXEC;
  if (!file.on_disk) {
    if (auto st = EnsureDirectory(dir); !st) return st;
    known_folders_.insert(folder);
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
  if (inserted) unit.safe_name = SafeFileName(unit_id);

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
      file.writer = format_->NewWriter(*bind_context().schema);
      if (auto st = file.writer->Begin(file.buffer); !st) return Fail(st.error());
    }
    if (auto st = file.writer->WriteRows(batch, rows, file.buffer); !st) return Fail(st.error());
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

Status FileSink::PublishPending() {
  // 1. Finish every temp and make its bytes durable before any of them becomes visible.
  for (auto& [unit_id, unit] : pending_) {
    for (auto& [folder, file] : unit.files) {
      size_t before = file.buffer.size();
      if (auto st = file.writer->End(file.buffer); !st) return st;
      buffered_bytes_ += file.buffer.size() - before;
      if (!file.buffer.empty() || !file.on_disk) {
        if (auto st = Flush(unit, folder, file); !st) return st;
      }
      fs::path tmp = FolderPath(folder) / ("." + PartName(unit) + std::string(kTempSuffix));
      if (auto st = SyncPath(tmp); !st) return st;
    }
  }
  // 2. Publish each temp under its final name, replacing the unit's earlier file.
  std::set<std::string> touched;
  for (auto& [unit_id, unit] : pending_) {
    std::string part = PartName(unit);
    for (auto& [folder, file] : unit.files) {
      fs::path dir = FolderPath(folder);
      fs::path tmp = dir / ("." + part + std::string(kTempSuffix));
      if (::rename(tmp.c_str(), (dir / part).c_str()) != 0) {
        return Fail(IoError("cannot rename into place", dir / part, errno));
      }
      file.on_disk = false;
      touched.insert(folder);
    }
    // 3. The unit's rows left the partitions it no longer has rows in.
    for (const auto& folder : known_folders_) {
      if (unit.files.count(folder)) continue;
      fs::path stale = FolderPath(folder) / part;
      if (::unlink(stale.c_str()) == 0) {
        touched.insert(folder);
      } else if (errno != ENOENT) {
        return Fail(IoError("cannot remove the unit's earlier file", stale, errno));
      }
    }
  }
  // 4. Make the renames and removals durable.
  for (const auto& folder : touched) {
    if (auto st = SyncPath(FolderPath(folder)); !st) return st;
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
      fs::path tmp = FolderPath(folder) / ("." + PartName(unit) + std::string(kTempSuffix));
      if (auto st = RemoveFileIfExists(tmp); !st && result) result = st;
    }
  }
  DropPending();
  return result;
}

Status FileSink::FinishImpl() {
  if (!pending_.empty()) {
    return Fail(ErrorKind::kInternal, "Finish with uncommitted writes; Commit or Abort them first");
  }
  if (mode_ != WriteMode::kReplace || !publish_pending_) return core::Ok();
  return Publish();
}

Status FileSink::Publish() {
  fs::path staging = write_dir_;
  if (!Exists(dataset_dir_)) {
    if (::rename(staging.c_str(), dataset_dir_.c_str()) != 0) {
      return Fail(IoError("cannot publish the staging folder as", dataset_dir_, errno));
    }
  } else {
    auto exchanged = ExchangePaths(staging, dataset_dir_);
    if (!exchanged) return Fail(exchanged.error());
    if (*exchanged) {
      // Readers switched to the new data in one step; `staging` now names the old data.
      if (auto st = RemoveTree(staging); !st) return st;
    } else {
      fs::path old = root_ / ("." + safe_dataset_ + ".old-" + std::to_string(run_id_));
      if (auto st = RemoveTree(old); !st) return st;
      if (::rename(dataset_dir_.c_str(), old.c_str()) != 0) {
        return Fail(IoError("cannot move the old data away from", dataset_dir_, errno));
      }
      if (::rename(staging.c_str(), dataset_dir_.c_str()) != 0) {
        return Fail(IoError("cannot publish the staging folder as", dataset_dir_, errno));
      }
      if (auto st = RemoveTree(old); !st) return st;
    }
  }
  if (auto st = SyncPath(root_); !st) return st;
  publish_pending_ = false;
  write_dir_ = dataset_dir_;
  return core::Ok();
}

Status FileSink::CloseImpl() {
  DropPending();
  return core::Ok();
}

Status FileSink::HealthCheckImpl() {
  // Before the first Migrate the root may not exist yet; then the folder that will hold it must be usable.
  fs::path probe = root_;
  struct stat st {};
  while (::stat(probe.c_str(), &st) != 0) {
    if (errno != ENOENT) return Fail(IoError("cannot reach", probe, errno));
    if (!probe.has_parent_path() || probe.parent_path() == probe) {
      return Fail(ErrorKind::kTransient, "no part of path '" + root_.string() + "' exists (not mounted yet?)");
    }
    probe = probe.parent_path();
  }
  if (!S_ISDIR(st.st_mode)) return Fail(ErrorKind::kConfig, "'" + probe.string() + "' is not a folder");
  if (::access(probe.c_str(), W_OK) != 0) return Fail(IoError("cannot write into", probe, errno));
  return core::Ok();
}

}  // namespace datasync::storage::files
