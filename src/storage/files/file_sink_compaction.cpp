// FileSink's compaction (`datasync compact`, SinkInfo::compact): merges the small part files of the
// dataset's partition folders, holding the dataset lock exclusively.

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "core/strings.hpp"
#include "storage/files/file_names.hpp"
#include "storage/files/file_options.hpp"
#include "storage/files/file_sink.hpp"
#include "storage/files/fs_util.hpp"
#include "storage/files/part_layout.hpp"

namespace datasync::storage::files {

using core::ErrorKind;
using core::Fail;
using core::Status;
namespace fs = std::filesystem;

core::Result<CompactReport> FileSink::Compact(const CompactOptions& options, std::chrono::milliseconds lock_wait) {
  if (state() != State::kBound) return Fail(ErrorKind::kInternal, "Compact is for a bound sink that is not open");
  // Automatic (after a run): folders with fewer small parts of one layout than the threshold stay as they are,
  // and a storage without a threshold (0, or no compaction options: json, xlsx) is not looked at; for those,
  // `datasync compact` says why below.
  const bool has_options = HasCompactionOptions();
  const int64_t min_parts = options.automatic ? (has_options ? options_.Get(kCompactAtParts) : 0) : 2;
  if (min_parts <= 0) return CompactReport{};
  const PartMerger* merger = format_->merger();
  if (!merger) {
    if (options.automatic) return CompactReport{};
    return Fail(ErrorKind::kConfig, std::string(format_->name()) +
                                        " part files cannot be compacted (parquet, csv and jsonl merge without "
                                        "rewriting rows)");
  }
  std::error_code ec;
  if (!fs::is_directory(dataset_dir_, ec)) {
    if (options.automatic) return CompactReport{};
    return Fail(ErrorKind::kConfig,
                "dataset folder '" + dataset_dir_.string() + "' does not exist (nothing written yet?)");
  }
  if (auto st = AcquireLock(true, lock_wait); !st) return Fail(st.error());
  write_dir_ = dataset_dir_;
  repaired_units_ = 0;
  // Also repairs what a crashed commit or compaction left: afterwards every unit lives in one file only.
  if (auto st = ScanWriteDir(); !st) return Fail(st.error());

  const int64_t small_part_bytes = options.small_part_bytes.value_or(options_.Get(kCompactBelowBytes));
  std::set<std::string> folders = folder_.folders();
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
    if (!folder_.folders().count(folder)) {
      return Fail(ErrorKind::kConfig, "partition folder '" + (dataset_dir_ / folder).string() + "' does not exist");
    }
    folders = {folder};
  }

  CompactReport report;
  report.units_repaired = repaired_units_;
  std::string suffix = "." + std::string(format_->extension());

  for (const auto& folder : folders) {
    report.folders_scanned++;
    fs::path dir = folder_.Path(folder);
    std::set<std::string> compacted_names = folder_.CompactedNames(folder);
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
      if (st.st_size >= small_part_bytes) continue;
      auto key = merger->LayoutKey(dir / name);
      if (!key) return Fail(key.error());
      groups[*key].emplace_back(name, st.st_size);
    }
    for (auto& [key, parts] : groups) {
      if (parts.size() < static_cast<size_t>(std::max<int64_t>(min_parts, 2))) continue;
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
        if ((is_input && merger->RewritesInPlace()) || (!is_input && !PathExists(dir / output))) break;
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
        if (auto st = merger->Publish(tmp, dir / output, *merged); !st) {
          (void)RemoveFileIfExists(tmp);
          return Fail(st.error());
        }
        for (const auto& name : item.inputs) {
          if (name == output) continue;
          auto st = compacted_names.count(name) ? merger->Remove(dir / name) : RemoveFileIfExists(dir / name);
          if (!st) return Fail(st.error());
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

core::Result<std::optional<CompactReport>> CompactFileSink(Sink& bound, const CompactOptions& options,
                                                           bool must_exist) {
  auto& sink = static_cast<FileSink&>(bound);
  // Without an explicit dataset, datasets this storage never received are simply skipped.
  std::error_code ec;
  if (!must_exist && !fs::is_directory(sink.dataset_dir(), ec)) return std::optional<CompactReport>();
  auto report = sink.Compact(options);
  if (!report) return Fail(report.error());
  return std::optional<CompactReport>(std::move(*report));
}

}  // namespace datasync::storage::files
