// Sink: writes a dataset's batches into one storage (ARCHITECTURE §7).
//
// One Sink instance serves one (storage, dataset) pair for one run. Lifecycle, enforced by the public
// non-virtual methods (which also keep the counters):
//   Bind(ctx) -> Migrate() -> Open(run) -> { Write(batch, unit)... Commit() }... -> [Finish()] -> Close()
// - Bind checks the target and the requested write mode against capabilities() (kConfig when the sink
//   cannot do what the plan asks) and remembers the schema; no I/O beyond opening a connection.
// - Migrate creates the table/folder or evolves it additively to the schema.
// - Write stages a batch under a unit id (the stable id of the task that produced it). Writing the same
//   unit again, in this or a later run, must replace that unit's rows, never duplicate them (upsert by
//   primary key, or a part file named after the unit).
// - Commit makes every Write since the previous Commit durable, atomically where the store allows. Only
//   after Commit returns may the engine mark those tasks done. Abort discards uncommitted writes.
//   A failed Write or Commit discards every write since the last Commit, as Abort would: the caller
//   writes those units again in full. All batches of one unit are written before the Commit that
//   follows them.
// - Finish is called once when every task of the run is done; kReplace publishes the run's data there.
// - HealthCheck may be called at any point after Bind.
// - SweepStaging (after Migrate, before Open) removes what replace runs left in the store: the staging copy
//   of a run that failed or was cancelled, the old data of an interrupted swap. Each such leftover is
//   named after its run id; the caller says which runs are over, and the sink touches nothing else.
// - Interrupt may be called at any time, from any thread: a call blocked on the store ends soon with a
//   kTransient error, and later calls may fail the same way (the sink is then only closed).
// Thread-safety: a Sink is used by one thread at a time (its writer thread), except Interrupt, which any
// thread may call while that thread is inside another method. Errors are classified:
// a server that went away is kTransient, a constraint the data violates is kInvalidInput, a bad option
// is kConfig.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/column_batch.hpp"
#include "core/error.hpp"
#include "core/options.hpp"
#include "storage/compaction.hpp"
#include "storage/dataset_reader.hpp"

namespace datasync::storage {

// kHistory: a plan's `history: true`; upserts by key that keep every version (storage/history.hpp).
enum class WriteMode : uint8_t { kAppend, kUpsert, kReplace, kHistory };
std::string_view WriteModeName(WriteMode m);  // "append", "upsert", "replace", "history"
std::optional<WriteMode> ParseWriteMode(std::string_view s);

struct SinkCapabilities {
  bool append = true;
  bool upsert = false;            // can replace rows by primary key
  bool idempotent_units = false;  // rewriting a unit replaces exactly that unit's earlier rows (part files)
  bool replace = false;           // can publish a whole run's data atomically at Finish
  bool schema_evolution = false;  // Migrate can add columns / widen types in place
  bool history = false;           // keeps every version of a row (WriteMode::kHistory, storage/history.hpp)
  bool concurrent_writers = false;
};

struct BindContext {
  std::string storage_name;  // for messages: "storage 'local_db'"
  std::string dataset;       // table / folder name (untrusted: quote or sanitize it)
  core::SchemaPtr schema;
  std::vector<std::string> primary_key;
  std::string date_key;
  WriteMode mode = WriteMode::kUpsert;
  core::Options options;              // the storage's validated options (its sink's option table)
  std::filesystem::path project_dir;  // relative paths in options resolve against it
};

struct RunContext {
  int64_t run_id = 0;
  // Tasks of this run were done by earlier executions (a resumed or retried run): in mode replace their
  // rows are in the run's staging copy, so a staging copy that is gone cannot be started afresh.
  bool has_done_units = false;
};

// Whether the run with this id is over and will not write again (see Sink::SweepStaging).
using RunConcluded = std::function<bool(int64_t run_id)>;

struct SinkStats {
  int64_t rows_written = 0;   // rows in committed writes
  int64_t bytes_written = 0;  // bytes the sink wrote (file bytes, or payload bytes sent)
  int64_t commits = 0;
};

class Sink {
 public:
  enum class State : uint8_t { kCreated, kBound, kMigrated, kOpen, kFinished, kClosed };

  virtual ~Sink() = default;

  core::Status Bind(const BindContext& ctx);
  core::Status Migrate();
  core::Status Open(const RunContext& run);
  core::Status Write(const core::ColumnBatch& batch, std::string_view unit_id);
  // The same for a batch the caller shares (the writer pool's): a sink that holds batches until Commit
  // keeps this pointer (shared_batch()) instead of a copy.
  core::Status Write(std::shared_ptr<const core::ColumnBatch> batch, std::string_view unit_id);
  core::Status Commit();
  core::Status Abort();
  core::Status Finish();
  core::Status Close();
  core::Status HealthCheck();
  // After Migrate, before Open: removes the leftovers of replace runs for which `concluded` is true, and
  // returns their names (for the log). Never blocks the run: the caller reports a failure and goes on.
  core::Result<std::vector<std::string>> SweepStaging(const RunConcluded& concluded);
  // Asks a call blocked on the store (a server that stopped answering) to end now; for a process or a run
  // that must stop. A sink without an interruptible client does nothing: its own I/O timeouts bound its calls.
  void Interrupt() { InterruptImpl(); }

  virtual SinkCapabilities capabilities() const = 0;
  State state() const { return state_; }
  const SinkStats& stats() const { return stats_; }
  const BindContext& bind_context() const { return ctx_; }

 protected:
  virtual core::Status BindImpl(const BindContext& ctx) = 0;
  virtual core::Status MigrateImpl() = 0;
  virtual core::Status OpenImpl(const RunContext& run) = 0;
  // Returns bytes written for the stats.
  virtual core::Result<int64_t> WriteImpl(const core::ColumnBatch& batch, std::string_view unit_id) = 0;
  virtual core::Status CommitImpl() = 0;
  virtual core::Status AbortImpl() = 0;
  virtual core::Status FinishImpl() { return core::Ok(); }
  virtual core::Status CloseImpl() = 0;
  virtual core::Status HealthCheckImpl() { return core::Ok(); }
  virtual core::Result<std::vector<std::string>> SweepStagingImpl(const RunConcluded&) {
    return std::vector<std::string>{};
  }
  // Thread-safe: runs on another thread than the sink's other methods, possibly while one of them waits.
  virtual void InterruptImpl() {}

  // Inside WriteImpl: the shared batch being written when the caller shared it (Write's second form), else null.
  const std::shared_ptr<const core::ColumnBatch>& shared_batch() const { return shared_batch_; }

  // For bytes that only come into being at Commit (file footers, files a library writes whole): counted
  // with the writes the next successful Commit reports, and dropped with them by Abort.
  void AddPendingBytes(int64_t bytes) { pending_bytes_ += bytes; }

 private:
  core::Status Expect(State want, std::string_view op) const;
  core::Error Tag(core::Error e) const;

  State state_ = State::kCreated;
  BindContext ctx_;
  SinkStats stats_;
  int64_t pending_rows_ = 0;
  int64_t pending_bytes_ = 0;
  std::shared_ptr<const core::ColumnBatch> shared_batch_;
};

struct SinkInfo {
  std::string id;  // "sqlite", "csv", "jsonl"
  std::string description;
  std::span<const core::OptionSpec> options;
  // The option rules beyond the table's types (e.g. a one-character delimiter, a database URL), on options
  // with defaults applied; no I/O. Config loading reports each problem at its key's value, and the sink's
  // Bind runs the same function (resolving secrets), so `validate` and a run agree. Empty: no such rules.
  std::function<core::OptionProblems(const core::Options&, const core::OptionCheckContext&)> validate;
  // The option rules that need the dataset a storage receives (a partition_by that names one of its
  // fields, with a granularity its type allows), on ctx.options; no I/O. Config loading runs it for each
  // plan and each of its storages, at the plan's storages line, so `validate` fails where a run's Bind
  // would; Bind fails with the same words. Empty: no such rules.
  std::function<core::Status(const BindContext&)> validate_binding;
  std::function<std::unique_ptr<Sink>()> create;
  // Set by sinks that can read their data back (storage/dataset_reader.hpp); empty otherwise.
  std::function<core::Result<std::unique_ptr<DatasetReader>>(const ReaderContext&)> open_reader;
  // Set by sinks that can compact what they stored (storage/compaction.hpp); empty otherwise. Called on a
  // sink from `create` that was bound (mode append) and is neither migrated nor open. nullopt: the storage
  // holds nothing of the dataset and `must_exist` is false (the caller skips it); with `must_exist`, that
  // is a kConfig error.
  std::function<core::Result<std::optional<CompactReport>>(Sink& bound, const CompactOptions&, bool must_exist)>
      compact;
};

// Explicit registry: app/ calls each sink's RegisterXxx (the one list is app/registries.cpp).
class SinkRegistry {
 public:
  void Register(SinkInfo info);
  const SinkInfo* Find(std::string_view id) const;
  std::vector<std::string> Ids() const;

 private:
  std::vector<SinkInfo> infos_;
};

}  // namespace datasync::storage
