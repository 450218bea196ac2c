#include "storage/files/file_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <numeric>

#include "core/crash_point.hpp"
#include "core/strings.hpp"
#include "storage/files/file_names.hpp"
#include "storage/files/fs_util.hpp"
#include "storage/files/part_merger.hpp"

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

// How long a sink waits for the dataset lock before its Migrate fails: long enough to outlast a
// compaction of a few partitions, short enough that a stuck holder is reported.
constexpr auto kSinkLockWait = std::chrono::seconds(30);

constexpr std::string_view kCompactedPrefix = "part-compact-";

}  // namespace

std::string FileIdentity(const fs::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return "";
  return std::to_string(st.st_ino) + ":" + std::to_string(st.st_size) + ":" +
         std::to_string(static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec);
}

Status RowFormatWriter::BeginFile(const fs::path&) {
  return Fail(ErrorKind::kInternal, "BeginFile called on a format that does not write its own files");
}

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

void CheckCommonFileOptions(const core::Options& options, core::OptionProblems& problems) {
  if (options.GetString("path").empty()) problems.push_back({"path", "is empty; set it to the root folder"});
}

SinkCapabilities FileSink::capabilities() const {
  SinkCapabilities caps;
  caps.append = true;
  caps.upsert = false;
  caps.idempotent_units = true;
  caps.replace = true;
  caps.schema_evolution = true;
  caps.concurrent_writers = true;  // for different units; see DatasetLock
  return caps;
}

Status FileSink::BindImpl(const BindContext& ctx) {
  options_ = ctx.options;
  if (auto st = options_.ApplyDefaults(option_specs(), "storage '" + ctx.storage_name + "'"); !st) return st;
  if (auto st = core::ProblemsToStatus(CheckOptions(options_), "option "); !st) return st;
  root_ = fs::path(options_.GetString("path"));
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
  sidecar_.versions = {{1, schema.fields()}};
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
  if (auto st = AcquireLock(mode_ == WriteMode::kReplace, kSinkLockWait); !st) return st;
  Status st = MigrateFolder();
  if (st && mode_ != WriteMode::kReplace && lock_->mode() == DatasetLock::Mode::kExclusive) {
    // Alone with the dataset: clean up what crashed runs left, then let other plans writing it join.
    write_dir_ = dataset_dir_;
    st = ScanWriteDir();
    if (st) st = lock_->Share(kSinkLockWait);
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
  // Temps a crashed run left behind are garbage when this sink has the dataset to itself (with the lock
  // shared, they may be another writer's work in progress). Readers skip them anyway.
  bool alone = lock_ && lock_->mode() == DatasetLock::Mode::kExclusive;
  for (const auto& folder : alone ? folders : std::vector<fs::path>{}) {
    for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with(kTempPrefix) && name.ends_with(kTempSuffix)) {
        if (auto st = RemoveFileIfExists(it->path()); !st) return st;
      }
    }
    if (ec) return Fail(IoError("cannot list folder", folder, ec.value()));
  }
  compacted_.clear();
  if (!format_->merger()) return core::Ok();
  PlainParts plain;
  if (auto st = ScanCompacted(known_folders_, plain); !st) return st;
  return alone ? RepairCompacted(plain, &repaired_units_) : core::Ok();
}

Status FileSink::ScanCompacted(const std::set<std::string>& folders, PlainParts& plain) {
  const PartMerger& merger = *format_->merger();
  std::string suffix = "." + std::string(format_->extension());
  for (const auto& folder : folders) {
    std::error_code ec;
    std::vector<std::string> names;
    for (fs::directory_iterator it(FolderPath(folder), ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with("part-") && name.ends_with(suffix) && it->is_regular_file(ec)) names.push_back(name);
    }
    if (ec) return Fail(IoError("cannot list folder", FolderPath(folder), ec.value()));
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      if (name.starts_with(kCompactedPrefix)) {
        auto members = merger.Members(FolderPath(folder) / name);
        if (!members) return Fail(members.error());
        if (!members->empty()) {
          compacted_[folder].push_back({name, std::move(*members)});
          continue;
        }
      }
      plain[name.substr(5, name.size() - 5 - suffix.size())][folder] = FileIdentity(FolderPath(folder) / name);
    }
  }
  return core::Ok();
}

Status FileSink::RepairCompacted(PlainParts& plain, int64_t* repaired) {
  // A unit listed in a compacted file must have no other copy. (It is normally listed in the merged files
  // of several folders: its rows span partitions.) Three leftovers are possible:
  // 1. A compaction crashed after renaming its merged file, before removing its inputs: a plain part
  //    whose identity the merged file of its folder recorded is that input; it goes.
  // 2. A commit crashed after renaming a unit's new part file, before dropping the unit from merged
  //    files: any other plain part of the unit is newer, and the unit leaves every merged file.
  // 3. A compaction merged an older merged file and crashed before removing it: of two merged files in
  //    one folder that list a unit, the one with more members, which holds the same rows, keeps it.
  for (const auto& [folder, files] : compacted_) {
    for (const auto& f : files) {
      for (const auto& m : f.members) {
        auto unit = plain.find(m.unit);
        if (m.source.empty() || unit == plain.end()) continue;
        auto at = unit->second.find(folder);
        if (at == unit->second.end() || at->second != m.source) continue;
        if (auto st =
                RemoveFileIfExists(FolderPath(folder) / ("part-" + m.unit + "." + std::string(format_->extension())));
            !st) {
          return st;
        }
        if (repaired) ++*repaired;
        unit->second.erase(at);
        if (unit->second.empty()) plain.erase(unit);
      }
    }
  }
  std::map<std::string, std::map<std::string, const CompactedFile*>> keeper;  // folder -> unit -> file
  for (const auto& [folder, files] : compacted_) {
    for (const auto& f : files) {
      for (const auto& m : f.members) {
        auto [it, fresh] = keeper[folder].try_emplace(m.unit, &f);
        const CompactedFile* k = it->second;
        if (!fresh &&
            (f.members.size() > k->members.size() || (f.members.size() == k->members.size() && f.name > k->name))) {
          it->second = &f;
        }
      }
    }
  }
  std::map<std::pair<std::string, std::string>, std::set<std::string>> drops;  // (folder, file) -> units
  for (const auto& [folder, files] : compacted_) {
    for (const auto& f : files) {
      for (const auto& m : f.members) {
        if (plain.count(m.unit) || keeper[folder].at(m.unit) != &f) drops[{folder, f.name}].insert(m.unit);
      }
    }
  }
  std::set<std::string> touched;
  for (const auto& [where, units] : drops) {
    if (repaired) *repaired += static_cast<int64_t>(units.size());
    auto& files = compacted_[where.first];
    for (size_t i = 0; i < files.size(); ++i) {
      if (files[i].name != where.second) continue;
      if (auto st = RewriteCompacted(where.first, i, units); !st) return st;
      touched.insert(where.first);
      break;
    }
  }
  for (const auto& folder : touched) {
    if (auto st = SyncPath(FolderPath(folder)); !st) return st;
  }
  return core::Ok();
}

Status FileSink::DropFromCompacted(const std::string& folder, const std::set<std::string>& units, bool& touched) {
  auto it = compacted_.find(folder);
  if (it == compacted_.end()) return core::Ok();
  auto& files = it->second;
  for (size_t i = files.size(); i-- > 0;) {
    const CompactedFile& f = files[i];
    if (std::none_of(f.members.begin(), f.members.end(),
                     [&](const PartMerger::Member& m) { return units.count(m.unit) > 0; })) {
      continue;
    }
    touched = true;
    if (auto st = RewriteCompacted(folder, i, units); !st) return st;
  }
  return core::Ok();
}

Status FileSink::RewriteCompacted(const std::string& folder, size_t index, const std::set<std::string>& drop) {
  auto& files = compacted_[folder];
  CompactedFile& f = files[index];
  fs::path path = FolderPath(folder) / f.name;
  if (!Exists(path)) {  // another writer sharing the dataset dropped its last unit
    files.erase(files.begin() + static_cast<ptrdiff_t>(index));
    return core::Ok();
  }
  bool keeps =
      std::any_of(f.members.begin(), f.members.end(), [&](const PartMerger::Member& m) { return !drop.count(m.unit); });
  if (!keeps) {
    if (auto st = RemoveFileIfExists(path); !st) return st;
    files.erase(files.begin() + static_cast<ptrdiff_t>(index));
    return core::Ok();
  }
  // Rewrite the merged file without those units' rows; readers see the old or the new file.
  fs::path tmp = FolderPath(folder) / ("." + f.name + std::string(kTempSuffix));
  PartMerger::Input input{path, "", "", drop};
  auto merged = format_->merger()->Merge({input}, tmp);
  if (!merged) {
    (void)RemoveFileIfExists(tmp);
    return Fail(merged.error());
  }
  if (auto st = SyncPath(tmp); !st) return st;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Fail(IoError("cannot rename into place", path, errno));
  f.members = std::move(merged->members);
  return core::Ok();
}

std::string FileSink::PartName(const PendingUnit& unit) const {
  return "part-" + unit.safe_name + "." + std::string(format_->extension());
}

fs::path FileSink::FolderPath(const std::string& folder) const {
  return folder.empty() ? write_dir_ : write_dir_ / folder;
}

Status FileSink::Flush(const PendingUnit& unit, const std::string& folder, PendingFile& file) {
  if (file.own_file) return core::Ok();
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
      if (file.writer->WritesOwnFile()) {
        fs::path dir = FolderPath(folder);
        if (auto st = EnsureDirectory(dir); !st) return Fail(st.error());
        known_folders_.insert(folder);
        file.own_file = true;
        file.on_disk = true;  // from here on Abort must remove whatever the library left there
        if (auto st = file.writer->BeginFile(dir / ("." + PartName(unit) + std::string(kTempSuffix))); !st) {
          return Fail(st.error());
        }
      } else if (auto st = file.writer->Begin(file.buffer); !st) {
        return Fail(st.error());
      }
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
      fs::path tmp = FolderPath(folder) / ("." + PartName(unit) + std::string(kTempSuffix));
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
    std::string part = PartName(unit);
    for (auto& [folder, file] : unit.files) {
      fs::path dir = FolderPath(folder);
      fs::path tmp = dir / ("." + part + std::string(kTempSuffix));
      if (::rename(tmp.c_str(), (dir / part).c_str()) != 0) {
        return Fail(IoError("cannot rename into place", dir / part, errno));
      }
      core::CrashPoint("rename", bind_context().storage_name);
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
  // 3b. A unit that compaction merged into a compacted file lives in its new part file now. Writers that
  // share the dataset take turns rewriting merged files, so no rewrite undoes another's.
  if (!compacted_.empty()) {
    std::unique_ptr<DatasetLock> merge_lock;
    if (lock_ && lock_->mode() == DatasetLock::Mode::kShared) {
      auto got = DatasetLock::Acquire(root_, safe_dataset_, DatasetLock::Mode::kExclusive, kSinkLockWait, "merge.lock");
      if (!got) return Fail(got.error());
      merge_lock = std::move(*got);
    }
    std::set<std::string> units;
    for (const auto& [unit_id, unit] : pending_) units.insert(unit.safe_name);
    for (auto& [folder, files] : compacted_) {
      bool changed = false;
      if (auto st = DropFromCompacted(folder, units, changed); !st) return st;
      if (changed) touched.insert(folder);
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
  return core::Ok();
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

namespace datasync::storage::files {

core::Result<CompactReport> FileSink::Compact(const CompactOptions& options, std::chrono::milliseconds lock_wait) {
  if (state() != State::kBound) return Fail(ErrorKind::kInternal, "Compact is for a bound sink that is not open");
  const PartMerger* merger = format_->merger();
  if (!merger) {
    return Fail(ErrorKind::kConfig, std::string(format_->name()) +
                                        " part files cannot be compacted (only parquet merges without rewriting rows)");
  }
  std::error_code ec;
  if (!fs::is_directory(dataset_dir_, ec)) {
    return Fail(ErrorKind::kConfig,
                "dataset folder '" + dataset_dir_.string() + "' does not exist (nothing written yet?)");
  }
  if (auto st = AcquireLock(true, lock_wait); !st) return Fail(st.error());
  write_dir_ = dataset_dir_;
  repaired_units_ = 0;
  // Also repairs what a crashed commit or compaction left: afterwards every unit lives in one file only.
  if (auto st = ScanWriteDir(); !st) return Fail(st.error());

  std::set<std::string> folders = known_folders_;
  if (!options.partition.empty()) {
    auto eq = options.partition.find('=');
    if (!partition_) {
      return Fail(ErrorKind::kConfig, "--partition given, but the storage does not partition its datasets");
    }
    if (eq == std::string::npos || options.partition.substr(0, eq) != partition_->key()) {
      return Fail(ErrorKind::kConfig,
                  "--partition must be " + partition_->key() + "=VALUE, got '" + options.partition + "'");
    }
    std::string folder = SafeFileName(partition_->key()) + "=" + SafeFileName(options.partition.substr(eq + 1));
    if (!known_folders_.count(folder)) {
      return Fail(ErrorKind::kConfig, "partition folder '" + (dataset_dir_ / folder).string() + "' does not exist");
    }
    folders = {folder};
  }

  CompactReport report;
  report.units_repaired = repaired_units_;
  std::string suffix = "." + std::string(format_->extension());

  for (const auto& folder : folders) {
    report.folders_scanned++;
    fs::path dir = FolderPath(folder);
    std::set<std::string> compacted_names;
    for (const auto& f : compacted_[folder]) compacted_names.insert(f.name);
    // Small parts grouped by column layout: only files with identical columns merge into one.
    std::map<std::string, std::vector<std::pair<std::string, int64_t>>> groups;
    std::vector<std::string> names;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      std::string name = it->path().filename().string();
      if (name.starts_with("part-") && name.ends_with(suffix) && it->is_regular_file(ec)) names.push_back(name);
    }
    if (ec) return Fail(IoError("cannot list folder", dir, ec.value()));
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      struct stat st {};
      if (::stat((dir / name).c_str(), &st) != 0) return Fail(IoError("cannot stat", dir / name, errno));
      if (st.st_size >= options.small_part_bytes) continue;
      auto key = merger->LayoutKey(dir / name);
      if (!key) return Fail(key.error());
      groups[*key].emplace_back(name, st.st_size);
    }
    for (auto& [key, parts] : groups) {
      if (parts.size() < 2) continue;
      CompactedFolder item;
      item.folder = folder;
      std::vector<PartMerger::Input> inputs;
      std::string member_list;
      for (const auto& [name, size] : parts) {
        item.inputs.push_back(name);
        item.bytes_before += size;
        PartMerger::Input in;
        in.path = dir / name;
        if (!compacted_names.count(name)) {
          in.unit = name.substr(5, name.size() - 5 - suffix.size());
          in.source = FileIdentity(in.path);
        }
        member_list += name + "\n";
        inputs.push_back(std::move(in));
      }
      // A name no unit's part file can take by accident: the hash of what went in, salted on a clash.
      std::string output;
      for (uint64_t salt = 0;; ++salt) {
        output = std::string(kCompactedPrefix) + core::Hex64(core::Fnv1a64(member_list, 0xcbf29ce484222325ULL + salt)) +
                 suffix;
        bool is_input = std::find(item.inputs.begin(), item.inputs.end(), output) != item.inputs.end();
        if (is_input || !Exists(dir / output)) break;
      }
      item.output = output;
      if (!options.dry_run) {
        fs::path tmp = dir / ("." + output + std::string(kTempSuffix));
        auto merged = merger->Merge(inputs, tmp);
        if (!merged) {
          (void)RemoveFileIfExists(tmp);
          return Fail(merged.error());
        }
        if (auto st = SyncPath(tmp); !st) return Fail(st.error());
        // The merged file appears first and its inputs go after: a crash in between leaves rows twice
        // for outside readers until the next Open or compaction drops them from the merged file (a
        // unit's own part file wins), never a row missing.
        if (::rename(tmp.c_str(), (dir / output).c_str()) != 0) {
          return Fail(IoError("cannot rename into place", dir / output, errno));
        }
        for (const auto& name : item.inputs) {
          if (name == output) continue;
          if (auto st = RemoveFileIfExists(dir / name); !st) return Fail(st.error());
        }
        if (auto st = SyncPath(dir); !st) return Fail(st.error());
        item.rows = merged->rows;
        item.bytes_after = merged->bytes;
      }
      report.merged.push_back(std::move(item));
    }
  }
  lock_.reset();
  return report;
}

}  // namespace datasync::storage::files
