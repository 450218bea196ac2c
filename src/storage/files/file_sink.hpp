// FileSink: the shared machinery of every file sink (CSV, JSON Lines, JSON, Parquet, xlsx). A concrete
// file sink only names its option table and builds a RowFormat; everything about folders and durability
// lives here.
//
// Layout: ROOT/<dataset>/[<key>=<value>/]part-<unit>.<ext>, names made safe with SafeFileName, plus
// ROOT/<dataset>/_schema.json (schema_sidecar.hpp). Readers skip names starting with '.' or '_'.
// - Write stages a unit's rows in `.part-<unit>.<ext>.tmp` next to its final name (one temp per partition
//   folder the unit's rows fall into); several Writes of one unit before a Commit append to the same temp.
// - Commit fsyncs the temps, renames them over `part-<unit>.<ext>` (so a re-run replaces the unit's file:
//   idempotent_units), removes that unit's part files from partition folders it no longer has rows in,
//   and fsyncs the folders. A unit without rows has no file at all (an empty task costs no file I/O). Abort deletes the
//   temps. Temps a crashed run left behind are swept by the next sink that gets the dataset to itself (see the lock
//   below).
// - A Write or Commit that fails discards every uncommitted write, as Abort would; the caller writes
//   those units again in full (units already renamed by a failed Commit are complete and stay).
// - Mode replace writes into ROOT/.<dataset>.staging-<run id>/ (a restarted run with the same id keeps
//   filling it) and Finish swaps it with ROOT/<dataset> in one rename where the file system can
//   (renameat2 RENAME_EXCHANGE), else with two renames, then deletes the old data. SweepStaging removes
//   ROOT/.<dataset>.staging-<run id>/ and ROOT/.<dataset>.old-<run id>/ of runs that are over (under the
//   dataset lock Migrate took); a run with done tasks whose staging folder is gone is refused in Open.
// - History (history: true, formats whose KeepsHistory: Parquet): part files are never replaced. A commit of
//   a unit adds a version of it, part-<unit>.v<stamp>-<digest>.<ext> in each partition folder its rows fall
//   into, with the columns _ds_unit and _valid_from (part_versions.hpp), unless its rows equal its newest
//   version's; a unit that comes back without rows after it had some gets an empty version (digest 0: one file
//   in the dataset's folder whose one row is NULL but for the version columns). Readers pick the versions
//   (DatasetFolder::VersionsToRead). The sidecar says the folder keeps history; Migrate refuses a folder of the other
//   kind.
// - Formats with a PartMerger (Parquet) support compaction (Compact): small part files of a partition
//   become one `part-compact-<hash>.<ext>` that lists the units it holds. A unit rewritten later must not
//   keep its rows there too, so Commit drops the committed units from compacted files (after renaming
//   their new part files into place); the next sink alone with the dataset (and Compact) repairs what a
//   crash between such steps left: a unit's own newer part file always wins, and a compaction's leftover
//   inputs go (files/part_merger.hpp).
// Files: the lifecycle in file_sink.cpp, part staging (Write, Commit, Abort) in file_sink_staging.cpp, the
// versions of history in file_sink_history.cpp,
// compaction in file_sink_compaction.cpp (offered to `datasync compact` as SinkInfo::compact through
// CompactFileSink), the folder's partitions and compacted files in dataset_folder.hpp.
// Thread-safety: like every Sink, one thread at a time. A DatasetLock (dataset_lock.hpp) is held from
// Migrate until Close: shared by sinks that write their own units (so parallel plans may write one
// dataset), exclusive for mode replace and for Compact. Migrate takes it exclusively when it can, sweeps
// the crash leftovers, then shares it.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "storage/compaction.hpp"
#include "storage/files/dataset_folder.hpp"
#include "storage/files/dataset_lock.hpp"
#include "storage/files/file_options.hpp"
#include "storage/files/part_merger.hpp"
#include "storage/files/part_versions.hpp"
#include "storage/files/partitioning.hpp"
#include "storage/files/row_format.hpp"
#include "storage/files/schema_sidecar.hpp"
#include "storage/sink.hpp"

namespace datasync::storage::files {

// Compaction's options and report are the storage-wide ones (SinkInfo::compact).
using storage::CompactedFolder;
using storage::CompactOptions;
using storage::CompactReport;

// The rules of a file sink's options that need the dataset (partition_by and partition_granularity against
// its fields): SinkInfo::validate_binding of every file sink; Bind reads the partitioning the same way.
core::Status CheckFileBinding(const BindContext& ctx);

class FileSink : public Sink {
 public:
  SinkCapabilities capabilities() const override;

  // Merges the small part files of the dataset's partition folders (after Bind; instead of Migrate/Open).
  // Takes the dataset lock (waiting up to lock_wait) so no sync writes the folder meanwhile. kConfig when
  // the format cannot be merged or the partition does not exist.
  core::Result<CompactReport> Compact(const CompactOptions& options,
                                      std::chrono::milliseconds lock_wait = std::chrono::seconds(5));

  // The resolved root folder, the dataset's published folder, and the folder this run writes into (the
  // staging folder in mode replace). Valid after Bind (write_dir after Open).
  const std::filesystem::path& root() const { return root_; }
  const std::filesystem::path& dataset_dir() const { return dataset_dir_; }
  const std::filesystem::path& write_dir() const { return write_dir_; }

 protected:
  // The sink's whole option table (AppendCommonFileOptions + its own).
  virtual std::span<const core::OptionSpec> option_specs() const = 0;
  // The sink's option rules beyond its table's types (CheckCommonFileOptions plus its format's): the
  // function its SinkInfo::validate runs too. Bind fails with kConfig on any problem.
  virtual core::OptionProblems CheckOptions(const core::Options& options) const = 0;
  // The format, from the options with defaults applied; kConfig on a bad setting.
  virtual core::Result<std::unique_ptr<RowFormat>> MakeFormat(const core::Options& options) const = 0;
  // Whether the sink's table has the compaction options (files::AppendCompactionFileOptions): the sinks
  // whose formats may have a PartMerger.
  virtual bool HasCompactionOptions() const { return false; }
  // Whether the format can keep every version of a unit (history: true): one that can be read back with
  // the version columns.
  virtual bool KeepsHistory() const { return false; }

  core::Status BindImpl(const BindContext& ctx) final;
  core::Status MigrateImpl() final;
  core::Status OpenImpl(const RunContext& run) final;
  core::Result<int64_t> WriteImpl(const core::ColumnBatch& batch, std::string_view unit_id) final;
  core::Status CommitImpl() final;
  core::Status AbortImpl() final;
  core::Status FinishImpl() final;
  core::Status CloseImpl() final;
  core::Status HealthCheckImpl() final;
  core::Result<std::vector<std::string>> SweepStagingImpl(const RunConcluded& concluded) final;

 private:
  // How long a sink waits for the dataset lock before its Migrate fails: long enough to outlast a
  // compaction of a few partitions, short enough that a stuck holder is reported.
  static constexpr std::chrono::seconds kLockWait{30};

  // One temp file being filled: rows of one unit that fall into one partition folder.
  struct PendingFile {
    std::unique_ptr<RowFormatWriter> writer;
    std::string buffer;     // encoded bytes not yet in the temp file
    bool on_disk = false;   // the temp file exists (created with O_TRUNC at the first flush)
    bool own_file = false;  // the writer writes the temp file itself (WritesOwnFile)
    RowsDigest digest;      // history: of the rows written to it
  };
  struct PendingUnit {
    std::string safe_name;                     // history: with the version's stamp, for its temps
    std::string base_name;                     // history: the unit's safe name
    int64_t stamp_us = 0;                      // history: the version's _valid_from
    std::map<std::string, PendingFile> files;  // by partition folder ("" = the dataset folder itself)
  };

  // Lifecycle (file_sink.cpp).
  core::Status AcquireLock(bool exclusive, std::chrono::milliseconds wait);
  core::Status MigrateFolder();
  core::Status OpenStaging(bool has_done_units);
  core::Status ScanWriteDir();
  core::Status Publish();
  // Part staging (file_sink_staging.cpp).
  std::string PartName(const PendingUnit& unit) const;
  core::Status StartFile(const PendingUnit& unit, const std::string& folder, PendingFile& file);
  // History (file_sink_history.cpp): the unit's rows with the version columns, a new version's stamp, and
  // the version's publication (its temps renamed into place, or removed when its rows are the newest's).
  core::ColumnBatch WithVersionColumns(const core::ColumnBatch& batch, std::string_view unit_id,
                                       int64_t stamp_us) const;
  int64_t NextStamp(const std::string& base_name);
  core::Status AddEmptyVersions();
  core::Status PublishVersion(PendingUnit& unit, std::set<std::string>& touched);
  core::Status Flush(const PendingUnit& unit, const std::string& folder, PendingFile& file);
  core::Status FlushAll();
  core::Result<int64_t> StageRows(const core::ColumnBatch& batch, std::string_view unit_id);
  core::Status PublishPending();
  void DropPending();

  core::Options options_;
  std::filesystem::path root_;
  std::filesystem::path dataset_dir_;
  std::filesystem::path write_dir_;
  std::string safe_dataset_;
  std::unique_ptr<RowFormat> format_;
  std::optional<PartitionSpec> partition_;
  SchemaSidecar sidecar_;
  WriteMode mode_ = WriteMode::kAppend;
  int64_t run_id_ = 0;
  bool publish_pending_ = false;  // mode replace: staging not yet swapped in

  std::unique_ptr<DatasetLock> lock_;
  DatasetFolder folder_;  // the state of write_dir_
  int64_t repaired_units_ = 0;
  std::map<std::string, PendingUnit> pending_;  // by unit id
  size_t buffered_bytes_ = 0;

  bool history_ = false;
  core::SchemaPtr version_schema_;               // history: the dataset's fields and the version columns
  std::map<std::string, UnitVersion> versions_;  // history: the newest version of each unit (safe name)
  int64_t last_stamp_ = 0;                       // history: stamps only grow
};

// SinkInfo::compact of every file sink: `bound` must be a FileSink (its SinkInfo's create makes one).
core::Result<std::optional<CompactReport>> CompactFileSink(Sink& bound, const CompactOptions& options, bool must_exist);

}  // namespace datasync::storage::files
