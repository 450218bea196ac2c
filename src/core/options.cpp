#include "core/options.hpp"

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
  }
  return "?";
}

Result<OptionValue> ParseOptionScalar(const OptionSpec& spec, std::string_view text) {
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
    case OptionType::kEnum: {
      for (auto a : spec.allowed) {
        if (a == text) return OptionValue(std::string(text));
      }
      std::vector<std::string> names(spec.allowed.begin(), spec.allowed.end());
      return Fail(ErrorKind::kConfig,
                  "'" + std::string(text) + "' is not allowed (allowed: " + Join(names, ", ") + ")");
    }
    case OptionType::kStringList: return OptionValue(std::vector<std::string>{std::string(text)});
  }
  return Fail(ErrorKind::kInternal, "unhandled option type");
}

std::string OptionValueToString(const OptionValue& v) {
  struct V {
    std::string operator()(const std::string& s) const { return s; }
    std::string operator()(int64_t x) const { return std::to_string(x); }
    std::string operator()(double x) const { return FormatDouble(x); }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(const std::vector<std::string>& l) const { return Join(l, ","); }
  };
  return std::visit(V{}, v);
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
