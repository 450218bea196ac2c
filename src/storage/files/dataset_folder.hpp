// DatasetFolder: the state of the folder a file sink writes (the dataset's folder, or a replace run's
// staging folder): its partition sub-folders, and the compacted files in them with the units each holds.
// - Scan reads that state from disk. When the sink has the dataset to itself (`alone`), it also cleans up
//   what crashed runs left: temps, and units that a crashed commit or compaction left in two files (a
//   unit's own newer part file always wins; a compaction's leftover inputs go).
// - DropUnits, after a commit renamed units' new part files into place, removes those units from the
//   compacted files that still hold them (rewriting or deleting those files). For formats whose rewrites
//   give merged files new names (text), it first reads the folders' merged files again, since another
//   writer sharing the dataset may have rewritten them.
// - FilesToRead, for readers (which hold no lock and change nothing): the part files to read and, in each
//   compacted file, the units to leave out, so that every unit is read once, from the copy the repair
//   would keep. The repair and the readers apply the same rule (Resolve).
// Lifecycle: Scan, then any number of DropUnits or FilesToRead; Rebase when the folder was renamed (a
// replace run's publish) keeps the state. Thread-safety: owned by one FileSink or reader; one thread at a
// time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "storage/files/part_merger.hpp"
#include "storage/files/part_versions.hpp"
#include "storage/files/row_format.hpp"

namespace datasync::storage::files {

class DatasetFolder {
 public:
  // Lists dir's partition folders ("" is dir itself) and, for formats with a merger, its compacted files.
  // `repaired` (when given) grows by the units a repair dropped from compacted files or deleted.
  core::Status Scan(const std::filesystem::path& dir, const RowFormat& format, bool alone, int64_t* repaired);
  // The same folders under a new name.
  void Rebase(const std::filesystem::path& dir) { dir_ = dir; }

  const std::filesystem::path& dir() const { return dir_; }
  // The path of a partition folder ("" = the folder itself).
  std::filesystem::path Path(const std::string& folder) const;
  const std::set<std::string>& folders() const { return folders_; }
  void AddFolder(const std::string& folder) { folders_.insert(folder); }

  bool has_compacted() const { return !compacted_.empty(); }
  // The names of the compacted files in a partition folder.
  std::set<std::string> CompactedNames(const std::string& folder) const;
  // Removes the units (safe names) from every compacted file that holds them; `touched` gets the
  // folders whose files changed (for the caller's fsync).
  core::Status DropUnits(const std::set<std::string>& units, std::set<std::string>& touched);

  // One file as a reader reads it.
  struct ReadFile {
    std::string folder;                // the partition folder ("" = the folder itself)
    std::string name;                  // the file's name in it
    std::set<std::string> skip_units;  // of a compacted file: units whose rows are read from another copy
  };
  // The files of the last Scan that hold the dataset's rows, every unit once, by folder and name.
  std::vector<ReadFile> FilesToRead() const;

  // Datasets with history, whose units are versions (part_versions.hpp): the newest version of each unit, by
  // its safe name; with as_of_us, the newest one stamped at or before it.
  std::map<std::string, UnitVersion> LatestVersions(std::optional<int64_t> as_of_us) const;
  // FilesToRead narrowed to those versions: the older and later ones are left out.
  std::vector<ReadFile> VersionsToRead(std::optional<int64_t> as_of_us) const;

 private:
  struct CompactedFile {
    std::string name;
    std::vector<PartMerger::Member> members;
  };
  // The folders holding a plain part file of each unit.
  using PlainParts = std::map<std::string, std::set<std::string>>;
  // Where a unit has more than one copy, which go: plain parts that a compaction merged and then crashed
  // before removing (by folder and unit), and units to drop from compacted files (by folder and file).
  struct Resolution {
    std::vector<std::pair<std::string, std::string>> leftover_parts;
    std::map<std::pair<std::string, std::string>, std::set<std::string>> drops;
  };

  core::Status SweepTemps(const std::vector<std::filesystem::path>& folders);
  core::Status ScanParts();
  Resolution Resolve() const;
  core::Status Repair(int64_t* repaired);
  core::Status Rewrite(const std::string& folder, size_t index, const std::set<std::string>& drop);
  // Reads the merged files of the folders known to hold some again (another writer may have rewritten them).
  core::Status RefreshCompacted();
  std::string PartFileName(const std::string& unit) const;

  std::filesystem::path dir_;
  const RowFormat* format_ = nullptr;
  std::set<std::string> folders_;
  std::map<std::string, std::vector<CompactedFile>> compacted_;  // by folder
  PlainParts plain_;                                             // as the last Scan found them
};

}  // namespace datasync::storage::files
