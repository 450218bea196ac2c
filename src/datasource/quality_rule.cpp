#include "datasource/quality_rule.hpp"

#include <array>
#include <utility>

namespace datasync::datasource {

namespace {

constexpr std::array<std::pair<RuleKind, std::string_view>, 7> kNames = {{
    {RuleKind::kNotNull, "not_null"},
    {RuleKind::kUnique, "unique"},
    {RuleKind::kRange, "range"},
    {RuleKind::kAcceptedValues, "accepted_values"},
    {RuleKind::kRelationship, "relationship"},
    {RuleKind::kFreshness, "freshness"},
    {RuleKind::kRowCount, "row_count"},
}};

}  // namespace

std::string_view RuleKindName(RuleKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "not_null";
}

std::optional<RuleKind> ParseRuleKind(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

bool IsRowRule(RuleKind kind) {
  return kind != RuleKind::kFreshness && kind != RuleKind::kRowCount;
}

std::string_view RuleSeverityName(RuleSeverity s) {
  return s == RuleSeverity::kError ? "error" : "warn";
}

std::string QualityRule::Label() const {
  std::string out(RuleKindName(kind));
  if (fields.empty()) return out;
  out += '(';
  for (size_t i = 0; i < fields.size(); ++i) out += (i ? ", " : "") + fields[i];
  return out + ')';
}

}  // namespace datasync::datasource
