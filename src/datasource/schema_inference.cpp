#include "datasource/schema_inference.hpp"

#include <algorithm>

#include "core/strings.hpp"
#include "datasource/untrusted_text.hpp"

namespace datasync::datasource {

namespace {

bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

bool In(std::span<const std::string_view> list, std::string_view s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

}  // namespace

core::LogicalType InferFieldType(std::string_view name, std::string_view vendor_type, std::string_view description,
                                 std::string* note) {
  std::string t = core::ToLower(core::Trim(vendor_type));
  std::string n(name);
  bool date_name = n == "date" || n.ends_with("_date");
  bool time_name = n == "time" || n == "datetime" || n.ends_with("_time");
  bool date_text =
      Contains(description, "YYYYMMDD") || Contains(description, "yyyymmdd") || Contains(description, "YYYY-MM-DD");
  bool time_text = Contains(description, "时间") || Contains(description, "HH:MM") || Contains(description, "hh:mm");
  auto say = [&](std::string s) {
    if (note) *note = std::move(s);
  };
  if (t == "str" || t == "string" || t == "date" || t == "text" || t == "varchar") {
    if (t == "date" || date_name || (date_text && !time_text)) return core::LogicalType::Date();
    if (time_name) return core::LogicalType::Timestamp();
    return core::LogicalType::String();
  }
  if (t == "datetime" || t == "timestamp" || t == "time") {
    return date_name && !time_text ? core::LogicalType::Date() : core::LogicalType::Timestamp();
  }
  if (t == "int" || t == "integer" || t == "int64" || t == "long" || t == "bigint" || t == "int32") {
    return core::LogicalType::Int64();
  }
  if (t == "float" || t == "double" || t == "number" || t == "numeric" || t == "decimal" || t == "float64") {
    return core::LogicalType::Float64();
  }
  if (t == "bool" || t == "boolean") return core::LogicalType::Bool();
  if (date_name) {
    say("field '" + n + "' has type '" + std::string(vendor_type) + "'; read as a date from its name");
    return core::LogicalType::Date();
  }
  say("field '" + n + "' has type '" + (t.empty() ? std::string("(empty)") : CleanText(vendor_type, 32)) +
      "'; stored as string");
  return core::LogicalType::String();
}

void ProposeKeys(const std::vector<std::string>& field_names, const KeyCandidates& candidates,
                 std::vector<std::string>& primary_key, std::string& date_key) {
  auto has = [&](std::string_view n) {
    return std::find(field_names.begin(), field_names.end(), n) != field_names.end();
  };
  primary_key.clear();
  date_key.clear();
  for (auto d : candidates.dates) {
    if (has(d)) {
      date_key = std::string(d);
      break;
    }
  }
  for (auto c : candidates.codes) {
    if (date_key.empty() && In(candidates.codes_with_date_only, c)) continue;
    if (has(c)) {
      primary_key.emplace_back(c);
      break;
    }
  }
  if (!date_key.empty()) primary_key.push_back(date_key);
}

}  // namespace datasync::datasource
