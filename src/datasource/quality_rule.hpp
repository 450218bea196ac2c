// QualityRule: one data-quality rule of a dataset, as declared under `datasets.NAME.quality` in datasync.yaml
// (docs/configuration.md). Row rules judge each row as it is fetched, before it is stored; set rules judge
// the stored data after a run. A rule that fails with severity `error` keeps the offending rows out of the
// dataset (they go to its quarantine, `NAME_rejected`); with `warn` they are stored and reported. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace datasync::datasource {

enum class RuleKind : uint8_t {
  kNotNull,         // row: each of `fields` has a value
  kUnique,          // row: `fields` together do not repeat within a run's rows
  kRange,           // row: `fields[0]` within [min, max] (either side open)
  kAcceptedValues,  // row: `fields[0]` is one of `values`
  kRelationship,    // row: `fields[0]` is a value of `ref_field` in dataset `ref_dataset`
  kFreshness,       // set: the newest day of the date key is the last trading day, once past `deadline`
  kRowCount,        // set: the newest day's row count within the trailing median ± k·MAD of `window` days
};
std::string_view RuleKindName(RuleKind kind);  // "not_null", "unique", ...
std::optional<RuleKind> ParseRuleKind(std::string_view name);
bool IsRowRule(RuleKind kind);

enum class RuleSeverity : uint8_t { kWarn, kError };
std::string_view RuleSeverityName(RuleSeverity s);  // "warn", "error"

struct QualityRule {
  RuleKind kind = RuleKind::kNotNull;
  RuleSeverity severity = RuleSeverity::kWarn;
  std::vector<std::string> fields;
  std::optional<double> min, max;      // range
  std::vector<std::string> values;     // accepted_values, as text
  std::string ref_dataset, ref_field;  // relationship
  std::string deadline;                // freshness: "HH:MM" in the source's time zone
  int64_t window = 20;                 // row_count: trailing days
  double k = 3;                        // row_count: MADs allowed

  // "range(pct_chg)", "not_null(close, vol)": how reports and metrics name the rule.
  std::string Label() const;
  friend bool operator==(const QualityRule&, const QualityRule&) = default;
};

}  // namespace datasync::datasource
