#include "core/options.hpp"

#include <stdexcept>

#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::core {

std::string_view OptionTypeName(OptionType t) {
  switch (t) {
    case OptionType::kString: return "string";
    case OptionType::kInt: return "integer";
    case OptionType::kDouble: return "number";
    case OptionType::kBool: return "boolean";
    case OptionType::kStringList: return "list of strings";
    case OptionType::kSecret: return "secret";
    case OptionType::kPath: return "path";
    case OptionType::kEnum: return "one of";
    case OptionType::kRecordList: return "list of maps";
  }
  return "?";
}

namespace {

Result<OptionValue> ParseTyped(const OptionSpec& spec, std::string_view text) {
  switch (spec.type) {
    case OptionType::kString:
    case OptionType::kSecret:
    case OptionType::kPath: return OptionValue(std::string(text));
    case OptionType::kInt:
      if (auto v = ParseInt64(Trim(text))) return OptionValue(*v);
      return Fail(ErrorKind::kConfig, "expected an integer, got '" + std::string(text) + "'");
    case OptionType::kDouble:
      if (auto v = ParseDouble(Trim(text))) return OptionValue(*v);
      return Fail(ErrorKind::kConfig, "expected a number, got '" + std::string(text) + "'");
    case OptionType::kBool: {
      std::string t = ToLower(Trim(text));
      if (t == "true" || t == "yes" || t == "on") return OptionValue(true);
      if (t == "false" || t == "no" || t == "off") return OptionValue(false);
      return Fail(ErrorKind::kConfig, "expected true or false, got '" + std::string(text) + "'");
    }
    case OptionType::kEnum: return OptionValue(std::string(text));
    case OptionType::kStringList: return OptionValue(std::vector<std::string>{std::string(text)});
    case OptionType::kRecordList:
      return Fail(ErrorKind::kConfig, "expected a list of maps, got '" + std::string(text) + "'");
  }
  return Fail(ErrorKind::kInternal, "unhandled option type");
}

}  // namespace

Result<OptionValue> ParseOptionScalar(const OptionSpec& spec, std::string_view text) {
  auto value = ParseTyped(spec, text);
  if (!value) return value;
  if (auto problem = OptionValueProblem(spec, *value)) return Fail(ErrorKind::kConfig, std::move(*problem));
  return value;
}

namespace {

// A bound as a message writes it: byte counts of whole MiB, GiB or TiB in those units ("512 MiB").
std::string BoundText(int64_t v, std::string_view unit) {
  if (unit == "bytes" && v > 0) {
    for (auto [shift, name] : {std::pair{40, "TiB"}, std::pair{30, "GiB"}, std::pair{20, "MiB"}}) {
      if (v % (int64_t{1} << shift) == 0) return std::to_string(v >> shift) + " " + name;
    }
  }
  return std::to_string(v);
}

std::string RangeRequirement(const OptionRange& r, std::string_view unit) {
  if (!r.text.empty()) return std::string(r.text);
  constexpr int64_t kNone = std::numeric_limits<int64_t>::max();
  constexpr int64_t kNoMin = std::numeric_limits<int64_t>::min();
  if (r.min != kNoMin && r.max != kNone) {
    return "must be between " + BoundText(r.min, unit) + " and " + BoundText(r.max, unit);
  }
  if (r.max != kNone) return "must be at most " + BoundText(r.max, unit);
  if (r.min == 1) return "must be positive";
  if (r.min == 0) return "cannot be negative";
  return "must be at least " + BoundText(r.min, unit);
}

}  // namespace

std::optional<std::string> OptionValueProblem(const OptionSpec& spec, const OptionValue& value) {
  if (spec.type == OptionType::kEnum) {
    const auto* text = std::get_if<std::string>(&value);
    if (!text) return std::nullopt;
    for (auto a : spec.allowed) {
      if (a == *text) return std::nullopt;
    }
    std::vector<std::string> names(spec.allowed.begin(), spec.allowed.end());
    return "'" + *text + "' is not allowed (allowed: " + Join(names, ", ") + ")";
  }
  if (spec.type == OptionType::kInt && spec.range) {
    const auto* v = std::get_if<int64_t>(&value);
    if (!v || (*v >= spec.range->min && *v <= spec.range->max)) return std::nullopt;
    return RangeRequirement(*spec.range, spec.unit) + ", got " + std::to_string(*v);
  }
  return std::nullopt;
}

OptionProblems CheckOptionValues(const Options& options, std::span<const OptionSpec> specs) {
  OptionProblems problems;
  for (const auto& spec : specs) {
    auto it = options.values().find(spec.name);
    if (it == options.values().end()) continue;
    if (auto problem = OptionValueProblem(spec, it->second)) problems.push_back({std::string(spec.name), *problem});
  }
  return problems;
}

std::string OptionValueToString(const OptionValue& v) {
  struct V {
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(int64_t x) const { return std::to_string(x); }
    std::string operator()(double x) const { return FormatDouble(x); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::vector<std::string>& l) const { return Join(l, ","); }
    // [{k: v, k2: v2}, {k: v}]: for listings; the value is read as records, never parsed back from this.
    std::string operator()(const OptionRecords& records) const {
      std::string out = "[";
      for (const auto& r : records) {
        if (out.size() > 1) out += ", ";
        out += "{";
        bool first = true;
        for (const auto& [k, v] : r) {
          out += (first ? "" : ", ") + k + ": " + v;
          first = false;
        }
        out += "}";
      }
      return out + "]";
    }
  };
  return std::visit(V{}, v);
}

namespace {

bool Fits(OptionType type, const OptionValue& zero) {
  switch (type) {
    case OptionType::kString:
    case OptionType::kSecret:
    case OptionType::kPath:
    case OptionType::kEnum: return std::holds_alternative<std::string>(zero);
    case OptionType::kInt: return std::holds_alternative<int64_t>(zero);
    case OptionType::kDouble: return std::holds_alternative<double>(zero);
    case OptionType::kBool: return std::holds_alternative<bool>(zero);
    case OptionType::kStringList: return std::holds_alternative<std::vector<std::string>>(zero);
    case OptionType::kRecordList: return std::holds_alternative<OptionRecords>(zero);
  }
  return false;
}

// The value of a key, else its table entry's default, else `zero` (which also names the C++ type).
OptionValue ValueOf(const Options& options, std::string_view name, OptionTableFn table, OptionValue zero) {
  const OptionSpec* spec = FindOption(table(), name);
  if (!spec) throw std::logic_error("option key '" + std::string(name) + "' is not in its table");
  if (!Fits(spec->type, zero)) {
    throw std::logic_error("option key '" + std::string(name) + "' is read as another type than its table's " +
                           std::string(OptionTypeName(spec->type)));
  }
  if (auto it = options.values().find(name); it != options.values().end()) return it->second;
  if (spec->default_value.empty()) return zero;
  if (spec->type == OptionType::kStringList) return Split(spec->default_value, ',');
  if (spec->type == OptionType::kRecordList) return zero;  // a list of maps has no text default
  auto v = ParseOptionScalar(*spec, spec->default_value);
  if (!v) throw std::logic_error("bad default for option " + std::string(name));
  return *v;
}

}  // namespace

std::string Options::Get(const OptionKey<std::string>& key) const {
  OptionValue v = ValueOf(*this, key.name, key.table, std::string());
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  return OptionValueToString(v);
}

int64_t Options::Get(const OptionKey<int64_t>& key) const {
  OptionValue v = ValueOf(*this, key.name, key.table, int64_t{0});
  if (auto* x = std::get_if<int64_t>(&v)) return *x;
  return std::get<int64_t>(ValueOf(Options(), key.name, key.table, int64_t{0}));
}

double Options::Get(const OptionKey<double>& key) const {
  OptionValue v = ValueOf(*this, key.name, key.table, 0.0);
  if (auto* x = std::get_if<double>(&v)) return *x;
  if (auto* i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  return std::get<double>(ValueOf(Options(), key.name, key.table, 0.0));
}

bool Options::Get(const OptionKey<bool>& key) const {
  OptionValue v = ValueOf(*this, key.name, key.table, false);
  if (auto* b = std::get_if<bool>(&v)) return *b;
  return std::get<bool>(ValueOf(Options(), key.name, key.table, false));
}

std::vector<std::string> Options::Get(const OptionKey<std::vector<std::string>>& key) const {
  OptionValue v = ValueOf(*this, key.name, key.table, std::vector<std::string>());
  if (auto* l = std::get_if<std::vector<std::string>>(&v)) return *l;
  return {OptionValueToString(v)};
}

OptionRecords Options::Get(const OptionKey<OptionRecords>& key) const {
  OptionValue v = ValueOf(*this, key.name, key.table, OptionRecords());
  if (auto* r = std::get_if<OptionRecords>(&v)) return *r;
  return {};
}

Result<Options> RecordOptions(const OptionRecord& record, std::span<const OptionSpec> fields, std::string_view where) {
  Options out;
  for (const auto& [name, text] : record) {
    const OptionSpec* spec = FindOption(fields, name);
    if (!spec) {
      return Fail(ErrorKind::kConfig, std::string(where) + "." + name + ": unknown key (allowed: " +
                                          OptionNames(fields) + ")");
    }
    auto value = ParseOptionScalar(*spec, text);
    if (!value) return Fail(ErrorKind::kConfig, std::string(where) + "." + name + ": " + value.error().message());
    out.Set(name, std::move(*value));
  }
  if (auto st = out.ApplyDefaults(fields, where); !st) return tl::unexpected(st.error());
  return out;
}

std::string Options::GetString(std::string_view name, std::string_view fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::string(fallback);
  if (auto* s = std::get_if<std::string>(&it->second)) return *s;
  return OptionValueToString(it->second);
}

int64_t Options::GetInt(std::string_view name, int64_t fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* x = std::get_if<int64_t>(&it->second)) return *x;
  return fallback;
}

double Options::GetDouble(std::string_view name, double fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* x = std::get_if<double>(&it->second)) return *x;
  if (auto* i = std::get_if<int64_t>(&it->second)) return static_cast<double>(*i);
  return fallback;
}

bool Options::GetBool(std::string_view name, bool fallback) const {
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  if (auto* b = std::get_if<bool>(&it->second)) return *b;
  return fallback;
}

std::vector<std::string> Options::GetList(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return {};
  if (auto* l = std::get_if<std::vector<std::string>>(&it->second)) return *l;
  return {OptionValueToString(it->second)};
}

Status Options::ApplyDefaults(std::span<const OptionSpec> specs, std::string_view where) {
  for (const auto& spec : specs) {
    if (Has(spec.name)) continue;
    if (spec.required) {
      return Fail(ErrorKind::kConfig, std::string(where) + ": missing required key '" + std::string(spec.name) + "' (" +
                                          std::string(spec.description) + ")");
    }
    if (spec.default_value.empty()) continue;
    if (spec.type == OptionType::kStringList) {
      Set(std::string(spec.name), Split(spec.default_value, ','));
      continue;
    }
    if (spec.type == OptionType::kRecordList) continue;
    auto v = ParseOptionScalar(spec, spec.default_value);
    if (!v) return Fail(ErrorKind::kInternal, "bad default for option " + std::string(spec.name));
    Set(std::string(spec.name), std::move(*v));
  }
  return Ok();
}

Status ProblemsToStatus(const OptionProblems& problems, std::string_view prefix) {
  if (problems.empty()) return Ok();
  std::string message;
  for (const auto& p : problems) {
    if (!message.empty()) message += "; ";
    message += std::string(prefix) + p.key + ": " + p.message;
  }
  return Fail(ErrorKind::kConfig, std::move(message));
}

const OptionSpec* FindOption(std::span<const OptionSpec> specs, std::string_view name) {
  for (const auto& s : specs) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string OptionNames(std::span<const OptionSpec> specs) {
  std::string r;
  for (const auto& s : specs) {
    if (!r.empty()) r += ", ";
    r += s.name;
  }
  return r;
}

OptionProblems CheckOptionTable(const Options& options, std::span<const OptionSpec> specs, std::string_view what) {
  OptionProblems problems;
  for (const auto& [name, value] : options.values()) {
    if (!FindOption(specs, name)) {
      problems.push_back({name, "unknown key for " + std::string(what) + " (allowed: " + OptionNames(specs) + ")"});
    }
  }
  auto from_table = CheckOptionValues(options, specs);
  problems.insert(problems.end(), from_table.begin(), from_table.end());
  return problems;
}

Options MaskSecrets(const Options& options, std::span<const OptionSpec> specs) {
  Options out;
  for (const auto& [name, value] : options.values()) {
    const OptionSpec* spec = FindOption(specs, name);
    const auto* text = std::get_if<std::string>(&value);
    if (spec && spec->type == OptionType::kSecret && text) {
      out.Set(name, DisplaySecret(*text));
    } else {
      out.Set(name, value);
    }
  }
  return out;
}

std::string SecretFingerprintInput(const Options& options, std::span<const OptionSpec> specs,
                                   std::string_view where_prefix) {
  std::string out;
  bool first = true;
  for (const auto& spec : specs) {
    if (spec.type != OptionType::kSecret || !options.Has(spec.name)) continue;
    std::string ref = options.GetString(spec.name);
    auto value = ResolveSecret(ref, std::string(where_prefix) + std::string(spec.name));
    if (!first) out += '\x1f';
    first = false;
    out += value ? *value : ref;
  }
  return out;
}

}  // namespace datasync::core
