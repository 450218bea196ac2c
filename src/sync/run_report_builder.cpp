#include "sync/run_report_builder.hpp"

#include <algorithm>

#include "core/secrets.hpp"

namespace datasync::sync {

namespace {
constexpr size_t kMaxExamples = 3;
}  // namespace

std::string ParamsText(const datasource::Params& params) {
  std::string s;
  for (const auto& [k, v] : params) {
    if (!s.empty()) s += " ";
    s += k + "=" + v;
  }
  return s.empty() ? "(no params)" : s;
}

void RunReportBuilder::NoteError(const datasource::Params& params, const core::Error& error) {
  std::lock_guard lock(mu_);
  auto& cls = errors_[std::string(core::ErrorKindName(error.kind()))];
  cls.kind = core::ErrorKindName(error.kind());
  cls.count++;
  if (cls.examples.size() < kMaxExamples) {
    cls.examples.push_back(core::Redact(ParamsText(params) + ": " + error.message()));
  }
}

bool RunReportBuilder::NoteWarning(const std::string& warning) {
  std::lock_guard lock(mu_);
  if (std::find(warnings_.begin(), warnings_.end(), warning) != warnings_.end()) return false;
  warnings_.push_back(warning);
  return true;
}

RunReport RunReportBuilder::Build(const SyncRun& run, const TaskCounts& counts, ExecutionFacts facts) const {
  RunReport rep;
  rep.run_id = run.id;
  rep.plan = run.plan;
  rep.dataset = std::move(facts.dataset);
  rep.source = std::move(facts.source);
  rep.status = std::string(RunStatusName(run.status));
  rep.trigger = run.trigger;
  rep.error = run.error;
  rep.started_at_us = facts.started_at_us;
  rep.finished_at_us = run.finished_at_us;
  rep.resume_at_us = run.resume_at_us;
  rep.duration_secs = facts.duration_secs;
  rep.tasks_total = counts.total() - counts.split;
  rep.tasks_done = counts.done;
  rep.tasks_failed = counts.failed;
  rep.tasks_skipped = counts.skipped;
  rep.tasks_cancelled = counts.cancelled;
  rep.tasks_split = counts.split;
  rep.tasks_waiting = counts.pending + counts.cooling + counts.deferred;
  rep.rows = counts.rows;
  rep.bytes = counts.bytes;
  rep.requests = run.counts.requests;
  rep.retries = run.counts.retries;
  int64_t settled = counts.done + counts.failed + counts.skipped + counts.cancelled;
  rep.success_rate = settled ? static_cast<double>(counts.done) / static_cast<double>(settled) : 1.0;
  rep.rows_per_sec = rep.duration_secs > 0 ? static_cast<double>(facts.rows) / rep.duration_secs : 0;
  std::lock_guard lock(mu_);
  for (const auto& [_, e] : errors_) rep.errors.push_back(e);
  rep.storages = std::move(facts.storages);
  rep.quota = std::move(facts.quota);
  rep.concurrency = std::move(facts.concurrency);
  rep.quality = std::move(facts.quality);
  rep.warnings = warnings_;
  return rep;
}

}  // namespace datasync::sync
