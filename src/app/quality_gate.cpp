#include "app/quality_gate.hpp"

#include <fmt/format.h>

#include "app/row_compare.hpp"
#include "core/clock.hpp"
#include "core/strings.hpp"

namespace datasync::app {

using datasource::RuleKind;
using datasource::RuleSeverity;

namespace {

constexpr size_t kExamples = 3;

std::optional<double> NumberAt(const core::Column& c, size_t row) {
  switch (c.type().id) {
    case core::TypeId::kInt32: return static_cast<double>(c.GetInt32(row));
    case core::TypeId::kInt64: return static_cast<double>(c.GetInt64(row));
    case core::TypeId::kFloat64: return c.GetFloat64(row);
    case core::TypeId::kBool: return c.GetBool(row) ? 1.0 : 0.0;
    case core::TypeId::kDecimal: return core::ParseDouble(c.DecimalText(row));
    case core::TypeId::kString: return core::ParseDouble(core::Trim(c.GetString(row)));
    default: return std::nullopt;
  }
}

std::string TextAt(const core::Column& c, size_t row) {
  if (c.type().id == core::TypeId::kString) return std::string(c.GetString(row));
  return CanonicalText(c.GetValue(row), c.type());
}

std::string Bound(const std::optional<double>& b) {
  return b ? NumberTextOf(*b) : std::string();
}

}  // namespace

datasource::Dataset QuarantineDataset(const datasource::Dataset& ds) {
  datasource::Dataset q;
  q.name = ds.name + "_rejected";
  q.source = ds.source;
  q.api = ds.api;
  q.date_key = ds.date_key;
  q.schema_version = ds.schema_version;
  std::vector<core::Field> fields;
  for (auto f : ds.schema->fields()) {
    f.nullable = true;
    fields.push_back(std::move(f));
  }
  fields.push_back({kRejectedRule, core::LogicalType::String(), true, "the rule the row broke"});
  fields.push_back({kRejectedReason, core::LogicalType::String(), true, "why: the value and the rule's limit"});
  fields.push_back({kRejectedRun, core::LogicalType::Int64(), true, "the run that fetched it"});
  fields.push_back({kRejectedAt, core::LogicalType::Timestamp(), true, "when it was kept out"});
  q.schema = std::make_shared<core::Schema>(std::move(fields));
  return q;
}

bool QualityGate::HasRowRules(const datasource::Dataset& ds) {
  for (const auto& r : ds.quality) {
    if (datasource::IsRowRule(r.kind)) return true;
  }
  return false;
}

QualityGate::QualityGate(const datasource::Dataset& ds, References references, OpenQuarantine open_quarantine,
                         const core::Clock& clock)
    : ds_(ds),
      references_(std::move(references)),
      accepted_(ds.quality.size()),
      open_quarantine_(std::move(open_quarantine)),
      clock_(clock),
      quarantine_ds_(QuarantineDataset(ds)) {
  for (size_t i = 0; i < ds.quality.size(); ++i) {
    const auto& rule = ds.quality[i];
    if (!datasource::IsRowRule(rule.kind)) continue;
    RuleState rs;
    rs.index = i;
    for (const auto& f : rule.fields) {
      if (auto c = ds.schema->IndexOf(f)) rs.columns.push_back(*c);
    }
    if (rs.columns.size() != rule.fields.size()) continue;  // config refuses this; never judge half a rule
    if (rule.kind == RuleKind::kAcceptedValues) {
      accepted_[i] = std::set<std::string>(rule.values.begin(), rule.values.end());
      rs.values = &accepted_[i];
    }
    if (rule.kind == RuleKind::kRelationship) {
      auto it = references_.find(i);
      if (it == references_.end() || !it->second) {
        rs.unchecked = true;
        rs.unchecked_reason = "not checked: dataset " + rule.ref_dataset + " is not synced yet";
      } else {
        rs.values = &*it->second;
      }
    }
    rules_.push_back(std::move(rs));
  }
}

QualityGate::~QualityGate() {
  for (auto& sink : quarantine_) (void)sink->Close();
}

std::string QualityGate::KeyText(const core::ColumnBatch& batch, size_t row) const {
  std::string out;
  const auto& names = ds_.primary_key.empty() ? std::vector<std::string>{} : ds_.primary_key;
  for (const auto& k : names) {
    auto c = ds_.schema->IndexOf(k);
    if (!c) continue;
    if (!out.empty()) out += ' ';
    const core::Column& col = batch.column(*c);
    out += k + "=" + (col.IsValid(row) ? TextAt(col, row) : std::string("NULL"));
  }
  return out.empty() ? fmt::format("row {}", row + 1) : out;
}

std::optional<size_t> QualityGate::Judge(const core::ColumnBatch& batch, size_t row, uint64_t task_hash,
                                         std::vector<Counts>& counts, std::string& reason) {
  std::optional<size_t> first_error;
  for (size_t pos = 0; pos < rules_.size(); ++pos) {
    const RuleState& rs = rules_[pos];
    if (rs.unchecked) continue;
    const datasource::QualityRule& rule = ds_.quality[rs.index];
    ++counts[pos].checked;
    std::string why;
    switch (rule.kind) {
      case RuleKind::kNotNull:
        for (size_t k = 0; k < rs.columns.size() && why.empty(); ++k) {
          if (!batch.column(rs.columns[k]).IsValid(row)) why = rule.fields[k] + " is NULL";
        }
        break;
      case RuleKind::kRange: {
        const core::Column& c = batch.column(rs.columns[0]);
        if (!c.IsValid(row)) break;
        auto x = NumberAt(c, row);
        if (!x) break;
        if ((rule.min && *x < *rule.min) || (rule.max && *x > *rule.max)) {
          why =
              fmt::format("{}={} outside [{}, {}]", rule.fields[0], NumberTextOf(*x), Bound(rule.min), Bound(rule.max));
        }
        break;
      }
      case RuleKind::kAcceptedValues:
      case RuleKind::kRelationship: {
        const core::Column& c = batch.column(rs.columns[0]);
        if (!c.IsValid(row)) break;
        std::string text = TextAt(c, row);
        if (rs.values->count(text)) break;
        why = rule.kind == RuleKind::kAcceptedValues
                  ? fmt::format("{}={} is not an accepted value", rule.fields[0], text)
                  : fmt::format("{}={} is not in {}.{}", rule.fields[0], text, rule.ref_dataset, rule.ref_field);
        break;
      }
      case RuleKind::kUnique: {
        uint64_t h = 0xcbf29ce484222325ULL ^ (static_cast<uint64_t>(rs.index) * 0x9e3779b97f4a7c15ULL);
        std::vector<core::Value> values;
        CompareColumns cols;
        for (size_t k = 0; k < rs.columns.size(); ++k) {
          const core::Column& c = batch.column(rs.columns[k]);
          values.push_back(c.GetValue(row));
          cols.fields.push_back(rule.fields[k]);
          cols.types.push_back(c.type());
        }
        h ^= RowHash(values, cols);
        auto [it, fresh] = seen_.try_emplace(h, task_hash);
        // A repeat from another task, or within this check (the same answer twice); a task checked again
        // (a retry) meets its own rows and is not its own duplicate.
        if (!fresh && (it->second != task_hash || checking_.count(h))) {
          why = "repeats (" + core::Join(rule.fields, ", ") + ") of an earlier row";
        }
        checking_.insert(h);
        break;
      }
      default: break;
    }
    if (why.empty()) continue;
    ++counts[pos].violations;
    auto& ex = examples_[pos];
    if (ex.size() < kExamples) ex.push_back(KeyText(batch, row) + ": " + why);
    if (rule.severity == RuleSeverity::kError && !first_error) {
      first_error = pos;
      reason = why;
    }
  }
  return first_error;
}

core::Status QualityGate::Quarantine(const core::ColumnBatch& rejected, const sync::SyncTask& task) {
  if (!quarantine_opened_) {
    auto sinks = open_quarantine_(task.run_id);
    if (!sinks) {
      core::Error e = sinks.error();
      e.Context("the quarantine " + quarantine_ds_.name);
      return core::Fail(std::move(e));
    }
    quarantine_ = std::move(*sinks);
    quarantine_opened_ = true;
  }
  for (auto& sink : quarantine_) {
    auto st = sink->Write(rejected, task.key);
    if (st) st = sink->Commit();
    if (!st) {
      (void)sink->Abort();
      core::Error e = st.error();
      e.Context("the quarantine " + quarantine_ds_.name);
      return core::Fail(std::move(e));
    }
  }
  return core::Ok();
}

core::Result<core::ColumnBatch> QualityGate::Check(core::ColumnBatch batch, const sync::SyncTask& task) {
  if (rules_.empty()) return batch;
  std::lock_guard lock(mu_);
  const uint64_t task_hash = std::hash<std::string>{}(task.key);
  std::vector<Counts> counts(rules_.size());
  checking_.clear();
  std::vector<std::pair<size_t, std::string>> out;  // rejected rows: row, "rule: reason"
  std::vector<size_t> rejected_by;                  // the rule position of each
  for (size_t row = 0; row < batch.num_rows(); ++row) {
    std::string reason;
    if (auto pos = Judge(batch, row, task_hash, counts, reason)) {
      out.emplace_back(row, reason);
      rejected_by.push_back(*pos);
      ++counts[*pos].quarantined;
    }
  }
  by_task_[task.key] = counts;
  if (out.empty()) return batch;

  core::ColumnBatch rejected(quarantine_ds_.schema);
  core::ColumnBatch kept(batch.schema_ptr());
  const int64_t now = core::ToEpochMicros(clock_.Now());
  size_t next = 0;
  for (size_t row = 0; row < batch.num_rows(); ++row) {
    const bool out_row = next < out.size() && out[next].first == row;
    core::ColumnBatch& into = out_row ? rejected : kept;
    for (size_t c = 0; c < batch.num_columns(); ++c) {
      if (auto st = into.column(c).AppendValue(batch.column(c).GetValue(row)); !st) return core::Fail(st.error());
    }
    if (!out_row) continue;
    const size_t n = batch.num_columns();
    const auto& rule = ds_.quality[rules_[rejected_by[next]].index];
    rejected.column(n).AppendString(rule.Label());
    rejected.column(n + 1).AppendString(out[next].second);
    rejected.column(n + 2).AppendInt64(task.run_id);
    rejected.column(n + 3).AppendInt64(now);
    ++next;
  }
  if (auto st = Quarantine(rejected, task); !st) return core::Fail(st.error());
  return kept;
}

std::vector<sync::QualityCheckReport> QualityGate::Results() const {
  std::lock_guard lock(mu_);
  std::vector<sync::QualityCheckReport> out;
  for (size_t pos = 0; pos < rules_.size(); ++pos) {
    const auto& rule = ds_.quality[rules_[pos].index];
    sync::QualityCheckReport r;
    r.rule = rule.Label();
    r.severity = std::string(datasource::RuleSeverityName(rule.severity));
    for (const auto& [task, counts] : by_task_) {
      r.checked += counts[pos].checked;
      r.violations += counts[pos].violations;
      r.quarantined += counts[pos].quarantined;
    }
    if (rules_[pos].unchecked) r.examples.push_back(rules_[pos].unchecked_reason);
    if (auto it = examples_.find(pos); it != examples_.end()) r.examples = it->second;
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace datasync::app
