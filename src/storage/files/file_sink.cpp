#include "storage/files/file_sink.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "core/crash_point.hpp"
#include "storage/files/file_names.hpp"
#include "storage/files/fs_util.hpp"

// FileSink's lifecycle: options, Bind, the dataset lock, Migrate (the folder and its sidecar), Open (the
// folder a run writes: the dataset's, or a replace run's staging folder), Finish (the replace swap),
// Close and HealthCheck. Part staging is in file_sink_staging.cpp, compaction in file_sink_compaction.cpp.

namespace datasync::storage::files {

using core::ErrorKind;
using core::Fail;
using core::Status;
namespace fs = std::filesystem;

namespace {

std::string RunMarkerName(int64_t run_id) {
  return ".run-" + std::to_string(run_id);
}

}  // namespace

Status RowFormatWriter::BeginFile(const fs::path&) {
  return Fail(ErrorKind::kInternal, "BeginFile called on a format that does not write its own files");
}

Status CheckFileBinding(const BindContext& ctx) {
  if (!ctx.schema) return Fail(ErrorKind::kInternal, "CheckFileBinding without a schema");
  auto partition = PartitionSpec::FromOptions(*ctx.schema, ctx.options);
  if (!partition) return Fail(partition.error());
  return core::Ok();
}

SinkCapabilities FileSink::capabilities() const {
  SinkCapabilities caps;
  caps.append = true;
  caps.upsert = false;
  caps.idempotent_units = true;
  caps.replace = true;
  caps.schema_evolution = true;
  caps.concurrent_writers = true;  // for different units; see DatasetLock
  caps.history = KeepsHistory();
  return caps;
}

Status FileSink::BindImpl(const BindContext& ctx) {
  options_ = ctx.options;
  if (auto st = options_.ApplyDefaults(option_specs(), "storage '" + ctx.storage_name + "'"); !st) return st;
  if (auto st = core::ProblemsToStatus(CheckOptions(options_), "option "); !st) return st;
  root_ = RootFolder(options_, ctx.project_dir);
  std::error_code ec;
  if (PathExists(root_) && !fs::is_directory(root_, ec)) {
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
  history_ = mode_ == WriteMode::kHistory;
  if (history_ && !KeepsHistory()) {
    return Fail(ErrorKind::kConfig, "this storage's files cannot keep history; use a parquet storage");
  }
  version_schema_.reset();
  if (history_) {
    std::vector<core::Field> fields = schema.fields();
    for (const auto& f : fields) {
      if (f.name == kUnitColumn || f.name == kValidFromColumn) {
        return Fail(ErrorKind::kConfig,
                    "the dataset has a field named '" + f.name + "', which history keeps for itself; rename the field");
      }
    }
    fields.push_back({.name = std::string(kUnitColumn), .type = core::LogicalType::String(), .nullable = false});
    fields.push_back(
        {.name = std::string(kValidFromColumn), .type = core::LogicalType::Timestamp(), .nullable = false});
    version_schema_ = std::make_shared<const core::Schema>(std::move(fields));
  }
  safe_dataset_ = SafeFileName(ctx.dataset);
  dataset_dir_ = root_ / safe_dataset_;

  sidecar_ = SchemaSidecar{};
  sidecar_.dataset = ctx.dataset;
  sidecar_.format = std::string(format_->name());
  sidecar_.fields = schema.fields();
  sidecar_.versions = {{1, schema.fields()}};
  sidecar_.primary_key = ctx.primary_key;
  sidecar_.history = history_;
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

Status FileSink::AcquireLock(bool exclusive, std::chrono::milliseconds wait) {
  if (lock_) return core::Ok();
  using Mode = DatasetLock::Mode;
  // A writer first tries to be alone (then Open may clean up after crashed runs), else shares the dataset
  // with the other writers; replace and compaction need it to themselves.
  auto lock =
      DatasetLock::Acquire(root_, safe_dataset_, Mode::kExclusive, exclusive ? wait : std::chrono::milliseconds(0));
  if (!lock && !exclusive && lock.error().kind() == ErrorKind::kTransient) {
    lock = DatasetLock::Acquire(root_, safe_dataset_, Mode::kShared, wait);
  }
  if (!lock) return Fail(lock.error());
  lock_ = std::move(*lock);
  return core::Ok();
}

Status FileSink::MigrateImpl() {
  if (auto st = AcquireLock(mode_ == WriteMode::kReplace, kLockWait); !st) return st;
  Status st = MigrateFolder();
  if (st && mode_ != WriteMode::kReplace && lock_->mode() == DatasetLock::Mode::kExclusive) {
    // Alone with the dataset: clean up what crashed runs left, then let other plans writing it join.
    write_dir_ = dataset_dir_;
    st = ScanWriteDir();
    if (st) st = lock_->Share(kLockWait);
  }
  // A sink that failed Migrate never writes; it must not keep others out until it is destroyed.
  if (!st) lock_.reset();
  return st;
}

Status FileSink::MigrateFolder() {
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
    if (old.history && !next.history) {
      return Fail(ErrorKind::kConfig, "folder '" + dataset_dir_.string() +
                                          "' keeps history (every version of its units): set history: true on the "
                                          "plan, or write this plan to another path");
    }
    if (!old.history && next.history) {
      return Fail(ErrorKind::kConfig, "folder '" + dataset_dir_.string() +
                                          "' holds the dataset without history: a plan with history: true needs a "
                                          "folder of its own (another path, or move the folder away first)");
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
    if (auto st = OpenStaging(run.has_done_units); !st) return st;
  } else {
    write_dir_ = dataset_dir_;
  }
  return ScanWriteDir();
}

Status FileSink::OpenStaging(bool has_done_units) {
  fs::path staging = root_ / ("." + safe_dataset_ + ".staging-" + std::to_string(run_id_));
  std::string marker = RunMarkerName(run_id_);
  publish_pending_ = true;
  if (PathExists(dataset_dir_ / marker)) {
    // This run already published (a crash after the swap); further writes go to the published folder.
    publish_pending_ = false;
    write_dir_ = dataset_dir_;
    return RemoveTree(staging);
  }
  // The fallback publish (two renames) moves the old data here first; if it was interrupted after the
  // second rename, the old data is still lying around.
  if (PathExists(dataset_dir_)) {
    if (auto st = RemoveTree(root_ / ("." + safe_dataset_ + ".old-" + std::to_string(run_id_))); !st) return st;
  }
  if (has_done_units && !PathExists(staging / marker)) {
    return Fail(ErrorKind::kConflict,
                "the staging folder '" + staging.string() + "' of run " + std::to_string(run_id_) +
                    " is gone (removed after the run had failed or was cancelled, or by hand), and it held the "
                    "files of the tasks this run already did; start a new run of the plan instead of retrying or "
                    "resuming this one");
  }
  // A staging folder without this run's marker is the old data an interrupted swap left behind.
  if (PathExists(staging) && !PathExists(staging / marker)) {
    if (auto st = RemoveTree(staging); !st) return st;
  }
  if (auto st = EnsureDirectory(staging); !st) return st;
  if (!PathExists(staging / marker)) {
    if (auto st = WriteFileAtomically(staging / marker, std::to_string(run_id_) + "\n"); !st) return st;
  }
  if (auto st = WriteSidecar(staging, sidecar_); !st) return st;
  write_dir_ = staging;
  return core::Ok();
}

Status FileSink::ScanWriteDir() {
  bool alone = lock_ && lock_->mode() == DatasetLock::Mode::kExclusive;
  if (auto st = folder_.Scan(write_dir_, *format_, alone, &repaired_units_); !st) return st;
  if (history_) versions_ = folder_.LatestVersions(std::nullopt);
  return core::Ok();
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
  if (!PathExists(dataset_dir_)) {
    if (::rename(staging.c_str(), dataset_dir_.c_str()) != 0) {
      return Fail(IoError("cannot publish the staging folder as", dataset_dir_, errno));
    }
  } else {
    auto exchanged = ExchangePaths(staging, dataset_dir_);
    if (!exchanged) return Fail(exchanged.error());
    if (*exchanged) {
      // Readers switched to the new data in one step; `staging` now names the old data.
      core::CrashPoint("replace", bind_context().storage_name);
      if (auto st = RemoveTree(staging); !st) return st;
    } else {
      fs::path old = root_ / ("." + safe_dataset_ + ".old-" + std::to_string(run_id_));
      if (auto st = RemoveTree(old); !st) return st;
      if (::rename(dataset_dir_.c_str(), old.c_str()) != 0) {
        return Fail(IoError("cannot move the old data away from", dataset_dir_, errno));
      }
      core::CrashPoint("replace", bind_context().storage_name);
      if (::rename(staging.c_str(), dataset_dir_.c_str()) != 0) {
        return Fail(IoError("cannot publish the staging folder as", dataset_dir_, errno));
      }
      if (auto st = RemoveTree(old); !st) return st;
    }
  }
  if (auto st = SyncPath(root_); !st) return st;
  publish_pending_ = false;
  write_dir_ = dataset_dir_;
  folder_.Rebase(write_dir_);
  return core::Ok();
}

core::Result<std::vector<std::string>> FileSink::SweepStagingImpl(const RunConcluded& concluded) {
  std::vector<std::string> swept;
  std::error_code ec;
  if (!fs::is_directory(root_, ec)) return swept;
  const std::string staging = "." + safe_dataset_ + ".staging-";
  const std::string old = "." + safe_dataset_ + ".old-";
  std::vector<fs::path> doomed;
  for (fs::directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    for (const std::string* prefix : {&staging, &old}) {
      if (!name.starts_with(*prefix)) continue;
      std::string_view digits = std::string_view(name).substr(prefix->size());
      if (digits.empty() || digits.size() > 18 || digits.find_first_not_of("0123456789") != std::string_view::npos) {
        continue;
      }
      if (concluded(std::stoll(std::string(digits)))) doomed.push_back(it->path());
    }
  }
  if (ec) return Fail(IoError("cannot list", root_, ec.value()));
  for (const auto& path : doomed) {
    if (auto st = RemoveTree(path); !st) return Fail(st.error());
    swept.push_back(path.filename().string());
  }
  if (!swept.empty()) {
    if (auto st = SyncPath(root_); !st) return Fail(st.error());
  }
  return swept;
}

Status FileSink::CloseImpl() {
  DropPending();
  lock_.reset();
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
