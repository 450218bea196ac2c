#include "app/config_reader.hpp"

#include <algorithm>
#include <set>

#include "app/problem_marks.hpp"
#include "core/secrets.hpp"

namespace datasync::app {

using core::OptionSpec;
using core::OptionType;

SourceLocation ConfigReader::Loc(const YAML::Mark& m) const {
  if (m.is_null() || m.line < 0) return {file_, 0, 0};
  if (app_first_line_ >= 0 && m.line >= app_first_line_) {
    std::string label = "the app's objects";
    for (const auto& [line, name] : app_regions_) {
      if (line <= m.line) label = name + " (made in the app)";
    }
    return {label, 0, 0};
  }
  return {file_, m.line + 1, m.column + 1};
}

// A plugin's (or a channel's) own checks, each problem reported at the value of its key in mapping `n`
// ("path.key: message"), or at `fallback` when the key is not written.
void ConfigReader::ReportProblems(const YAML::Node& n, const YAML::Mark& fallback, const std::string& path,
                                  const core::OptionProblems& problems) {
  for (const auto& p : problems) Error(ProblemMark(n, p, fallback, text_), path + "." + p.key + ": " + p.message);
}

std::optional<std::string> ConfigReader::Str(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) {
    Error(n.Mark(), path + ": expected a text value, got a " + Kind(n));
    return std::nullopt;
  }
  return n.Scalar();
}

std::optional<int64_t> ConfigReader::Int(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) {
    Error(n.Mark(), path + ": expected an integer, got a " + Kind(n));
    return std::nullopt;
  }
  auto v = core::ParseInt64(core::Trim(n.Scalar()));
  if (!v) Error(n.Mark(), path + ": expected an integer, got " + Quote(n.Scalar()));
  return v;
}

std::optional<int64_t> ConfigReader::PositiveInt(const YAML::Node& n, const std::string& path, int64_t max) {
  auto v = Int(n, path);
  if (v && (*v < 1 || *v > max)) {
    Error(n.Mark(), path + ": " + std::to_string(*v) + " is out of range (1 to " + std::to_string(max) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<bool> ConfigReader::Bool(const YAML::Node& n, const std::string& path) {
  if (n.IsScalar()) {
    std::string t = core::ToLower(n.Scalar());
    if (t == "true" || t == "yes" || t == "on") return true;
    if (t == "false" || t == "no" || t == "off") return false;
  }
  Error(n.Mark(), path + ": expected true or false, got " + (n.IsScalar() ? Quote(n.Scalar()) : "a " + Kind(n)));
  return std::nullopt;
}

// A list of names, or a single name.
std::optional<std::vector<std::string>> ConfigReader::StrList(const YAML::Node& n, const std::string& path) {
  std::vector<std::string> out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
    return out;
  }
  if (!n.IsSequence()) {
    Error(n.Mark(), path + ": expected a list, got a " + Kind(n));
    return std::nullopt;
  }
  for (const auto& item : n) {
    auto s = Str(item, path);
    if (!s) return std::nullopt;
    out.push_back(*s);
  }
  return out;
}

std::string ConfigReader::Kind(const YAML::Node& n) {
  if (n.IsMap()) return "mapping";
  if (n.IsSequence()) return "list";
  if (n.IsNull()) return "null";
  return "value";
}

bool ConfigReader::RequireMap(const YAML::Node& n, const std::string& path) {
  if (n.IsMap()) return true;
  Error(n.Mark(), path + ": expected a mapping (key: value lines), got a " + Kind(n));
  return false;
}

// Reports unknown and duplicate keys.
void ConfigReader::CheckKeys(const YAML::Node& map, const std::string& path, const std::vector<std::string>& allowed) {
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string key = it->first.Scalar();
    if (!seen.insert(key).second) {
      Error(it->first.Mark(), "duplicate key " + Quote(key) + " in " + path);
      continue;
    }
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      Error(it->first.Mark(), "unknown key " + Quote(key) + " in " + path + " (allowed: " + JoinNames(allowed) + ")");
    }
  }
}

void ConfigReader::ForEachEntry(const YAML::Node& n, const std::string& section,
                                const std::function<void(const YAML::Node&, const YAML::Node&)>& fn) {
  if (n.IsNull()) return;
  if (!RequireMap(n, section)) return;
  std::set<std::string> seen;
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string name = it->first.Scalar();
    if (!seen.insert(name).second) {
      Error(it->first.Mark(), "duplicate name " + Quote(name) + " in " + section);
      continue;
    }
    if (!IsValidObjectName(name)) {
      Error(it->first.Mark(), section + ": name " + Quote(name) +
                                  " is not allowed (use letters, digits, _ . -; start with a letter or _)");
      continue;
    }
    fn(it->first, it->second);
  }
}

void ConfigReader::TextKey(const YAML::Node& n, const std::string& path, const char* k, std::string& out) {
  if (auto v = n[k]) {
    if (v.IsNull()) {
      out.clear();
    } else if (auto s = Str(v, path + "." + k)) {
      out = *s;
    }
  }
}

// A secret setting: a ${ENV} reference, or a literal that is warned about and masked from then on.
std::optional<std::string> ConfigReader::Secret(const YAML::Node& v, const std::string& path) {
  auto s = Str(v, path);
  if (s && !s->empty() && !core::IsSecretReference(*s)) {
    core::RegisterSecret(*s);
    Warn(v.Mark(), path + ": a secret is written in the file; use a ${ENV_VAR} reference instead");
  }
  return s;
}

std::optional<core::OptionRecords> ConfigReader::Records(const YAML::Node& v, const std::string& path,
                                                         const OptionSpec& spec) {
  if (!v.IsSequence()) {
    Error(v.Mark(), path + ": expected a list of maps, got a " + Kind(v));
    return std::nullopt;
  }
  std::span<const OptionSpec> fields = spec.fields ? spec.fields() : std::span<const OptionSpec>();
  std::vector<std::string> names;
  for (const auto& f : fields) names.emplace_back(f.name);
  core::OptionRecords out;
  bool ok = true;
  int i = 0;
  for (const auto& item : v) {
    std::string where = path + "[" + std::to_string(i++) + "]";
    if (!RequireMap(item, where)) {
      ok = false;
      continue;
    }
    CheckKeys(item, where, names);
    core::OptionRecord record;
    for (auto it = item.begin(); it != item.end(); ++it) {
      std::string key = it->first.Scalar();
      const OptionSpec* field = core::FindOption(fields, key);
      if (!field) {
        ok = false;  // reported by CheckKeys
        continue;
      }
      YAML::Node value = it->second;
      if (!value.IsScalar()) {
        Error(value.Mark(), where + "." + key + ": expected a " + std::string(core::OptionTypeName(field->type)) +
                                ", got a " + Kind(value));
        ok = false;
        continue;
      }
      if (auto parsed = core::ParseOptionScalar(*field, value.Scalar()); !parsed) {
        Error(value.Mark(), where + "." + key + ": " + parsed.error().message());
        ok = false;
        continue;
      }
      record[key] = value.Scalar();
    }
    for (const auto& f : fields) {
      // Written but refused (reported above) is not missing.
      if (f.required && !item[std::string(f.name)]) {
        Error(item.Mark(), where + ": missing required key " + Quote(f.name) + " (" + std::string(f.description) + ")");
        ok = false;
      }
    }
    out.push_back(std::move(record));
  }
  if (!ok) return std::nullopt;
  return out;
}

// Validates a plugin's options (every key of `n` except `reserved`) against its option table. `complete`
// is cleared when an option's value was refused or a required one is missing (unknown keys do not count):
// the plugin's own checks need them all.
core::Options ConfigReader::ParseOptions(const YAML::Node& n, const std::string& path,
                                         std::span<const OptionSpec> specs, const std::vector<std::string>& reserved,
                                         bool& complete, const YAML::Mark& missing_at) {
  core::Options opts;
  std::vector<std::string> allowed = reserved;
  for (const auto& s : specs) allowed.emplace_back(s.name);
  CheckKeys(n, path, allowed);
  for (auto it = n.begin(); it != n.end(); ++it) {
    std::string key = it->first.Scalar();
    if (std::find(reserved.begin(), reserved.end(), key) != reserved.end()) continue;
    const OptionSpec* spec = core::FindOption(specs, key);
    if (!spec) continue;        // reported by CheckKeys
    YAML::Node v = it->second;  // a copy: it-> yields a temporary proxy
    std::string where = path + "." + key;
    if (spec->type == OptionType::kStringList) {
      if (auto l = StrList(v, where)) {
        opts.Set(key, *l);
      } else {
        complete = false;
      }
      continue;
    }
    if (spec->type == OptionType::kRecordList) {
      if (auto records = Records(v, where, *spec)) {
        opts.Set(key, std::move(*records));
      } else {
        complete = false;
      }
      continue;
    }
    if (!v.IsScalar()) {
      Error(v.Mark(), where + ": expected a " + std::string(core::OptionTypeName(spec->type)) + ", got a " + Kind(v));
      complete = false;
      continue;
    }
    auto parsed = core::ParseOptionScalar(*spec, v.Scalar());
    if (!parsed) {
      Error(v.Mark(), where + ": " + parsed.error().message());
      complete = false;
      continue;
    }
    if (spec->type == OptionType::kSecret && !core::IsSecretReference(v.Scalar()) && !v.Scalar().empty()) {
      core::RegisterSecret(v.Scalar());
      if (spec->example.empty()) {
        Warn(v.Mark(), where + ": a secret is written in the file; use a ${ENV_VAR} reference instead");
      } else {
        Warn(v.Mark(), where + ": the " + std::string(spec->name) + " is written in the file; use " +
                           std::string(spec->example) +
                           " (an environment variable) so it never lands in version control");
      }
    }
    opts.Set(key, std::move(*parsed));
  }
  for (const auto& s : specs) {
    if (s.required && !opts.Has(s.name)) {
      std::string hint = s.example.empty() ? std::string(s.description)
                                           : "e.g. " + std::string(s.name) + ": " + std::string(s.example);
      Error(missing_at.is_null() ? n.Mark() : missing_at,
            path + ": missing required key " + Quote(s.name) + " (" + hint + ")");
      complete = false;
    }
  }
  (void)opts.ApplyDefaults(specs, path);
  return opts;
}

}  // namespace datasync::app
