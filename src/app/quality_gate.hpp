// QualityGate: the dataset's row rules (datasource/quality_rule.hpp) in the write path, as the engine's
// BatchGate (sync/batch_gate.hpp). Every fetched batch is judged row by row before it is written:
//   - not_null: each named field has a value;
//   - range: the field's number within [min, max] (a NULL is not judged: that is not_null's business);
//   - accepted_values: the field's value, as text, is one of the listed ones;
//   - relationship: the field's value is one of the referenced dataset's values, read once per run from the
//     storage that holds that dataset (a dataset not synced yet: the rule is reported as not checked);
//   - unique: the named fields together do not repeat within the run's rows (across tasks; a task written
//     again, a retry, is not its own duplicate).
// A row that breaks a rule of severity `error` is kept out of the dataset: it goes, with the rule and the
// reason, the run and the time, to the dataset's quarantine `NAME_rejected` (a table, or a folder for file
// storages) in each of the plan's storages, written and committed before Check returns, under the task's
// unit id, so a retried task replaces its quarantined rows instead of adding them again. Rows that break only
// `warn` rules are stored and counted. Counts are kept per task (the latest check of a task counts), so
// retries do not inflate them.
//
// Lifecycle: one per run execution request (App::RunOne), before the first fetch. Thread-safety: Check from
// several fetch workers at once (a mutex guards the counts, the unique set and the quarantine's sinks).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/column_batch.hpp"
#include "datasource/dataset.hpp"
#include "storage/sink.hpp"
#include "sync/batch_gate.hpp"

namespace datasync::app {

// The quarantine's columns after the dataset's own fields.
inline constexpr char kRejectedRule[] = "_rule";
inline constexpr char kRejectedReason[] = "_reason";
inline constexpr char kRejectedRun[] = "_run_id";
inline constexpr char kRejectedAt[] = "_rejected_at";

// The quarantine dataset of `ds`: NAME_rejected, its fields all nullable, then the four columns above; no
// primary key (rows are replaced per task), the same date key.
datasource::Dataset QuarantineDataset(const datasource::Dataset& ds);

class QualityGate final : public sync::BatchGate {
 public:
  // The quarantine's sinks for a run: bound, migrated and open. Called once, when a row is first kept out.
  using OpenQuarantine = std::function<core::Result<std::vector<std::unique_ptr<storage::Sink>>>(int64_t run_id)>;
  // `references`: for each relationship rule (by index into ds.quality), the referenced values as text, or
  // nullopt with the reason it is not checked.
  using References = std::map<size_t, std::optional<std::set<std::string>>>;

  QualityGate(const datasource::Dataset& ds, References references, OpenQuarantine open_quarantine,
              const core::Clock& clock);
  ~QualityGate() override;

  core::Result<core::ColumnBatch> Check(core::ColumnBatch batch, const sync::SyncTask& task) override;
  std::vector<sync::QualityCheckReport> Results() const override;

  // Whether the dataset has a rule the gate judges.
  static bool HasRowRules(const datasource::Dataset& ds);

 private:
  struct RuleState {
    size_t index = 0;             // into ds_.quality
    std::vector<size_t> columns;  // the fields' columns in the batch
    bool unchecked = false;       // a relationship whose values could not be read
    std::string unchecked_reason;
    const std::set<std::string>* values = nullptr;  // accepted_values / relationship
  };
  struct Counts {
    int64_t checked = 0, violations = 0, quarantined = 0;
  };
  // The first rule of severity error the row breaks (its reason in `reason`), counting every broken rule.
  std::optional<size_t> Judge(const core::ColumnBatch& batch, size_t row, uint64_t task_hash,
                              std::vector<Counts>& counts, std::string& reason);
  std::string KeyText(const core::ColumnBatch& batch, size_t row) const;
  core::Status Quarantine(const core::ColumnBatch& rejected, const sync::SyncTask& task);

  const datasource::Dataset& ds_;
  References references_;
  std::set<std::string> empty_;
  std::vector<std::set<std::string>> accepted_;  // per rule index: accepted_values as a set
  std::vector<RuleState> rules_;
  OpenQuarantine open_quarantine_;
  const core::Clock& clock_;
  datasource::Dataset quarantine_ds_;

  mutable std::mutex mu_;
  std::map<std::string, std::vector<Counts>> by_task_;   // task key -> counts per rule (the latest check)
  std::map<size_t, std::vector<std::string>> examples_;  // rule position -> first examples
  std::unordered_map<uint64_t, uint64_t> seen_;          // unique rules: row hash -> the task that had it
  std::set<uint64_t> checking_;                          // unique rules: the hashes of the batch being checked
  std::vector<std::unique_ptr<storage::Sink>> quarantine_;
  bool quarantine_opened_ = false;
};

}  // namespace datasync::app
