#include "app/config.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <tuple>

#include "alerting/channel.hpp"
#include "app/local_data.hpp"
#include "app/problem_marks.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"
#include "generation/argument_generator.hpp"
#include "generation/text_template.hpp"
#include "generation/value_sources.hpp"
#include "sync/schedule.hpp"

namespace datasync::app {

namespace {

using core::OptionSpec;
using core::OptionType;

constexpr int kSupportedVersion = 1;

std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string JoinNames(const std::vector<std::string>& names) { return core::Join(names, ", "); }

}  // namespace

std::optional<std::pair<std::string, int>> SplitHostPort(std::string_view listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  auto port = core::ParseInt64(listen.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) return std::nullopt;
  std::string host(listen.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::make_pair(host, static_cast<int>(*port));
}

namespace {

class Parser {
 public:
  Parser(std::string file, std::filesystem::path project_dir, const datasource::ProviderRegistry& providers,
         const storage::SinkRegistry& sinks, const std::vector<datasource::Dataset>& imported, LoadOptions options)
      : file_(std::move(file)), providers_(providers), sinks_(sinks), imported_(imported), options_(options) {
    config_.project_dir = std::move(project_dir);
  }

  ConfigResult Run(const std::string& text) {
    text_ = text;
    YAML::Node root;
    try {
      root = YAML::Load(text);
    } catch (const YAML::ParserException& e) {
      Error(e.mark, "YAML syntax error: " + e.msg + " (check indentation and quoting)");
      return Finish();
    }
    if (!root || root.IsNull()) {
      Error(YAML::Mark(), "the file is empty; start from `datasync init` or docs/configuration.md");
      return Finish();
    }
    if (!root.IsMap()) {
      Error(root.Mark(), "the top level must be a mapping with keys version, project, sources, datasets, "
                         "storages, templates, plans, serve, alerts");
      return Finish();
    }
    CheckKeys(root, "the top level",
              {"version", "project", "sources", "datasets", "storages", "templates", "plans", "serve", "alerts"});
    if (auto v = root["version"]) {
      auto n = Int(v, "version");
      if (n && *n != kSupportedVersion) {
        Error(v.Mark(), "version " + std::to_string(*n) + " is not supported (this datasync reads version 1)");
      }
    }
    if (auto p = root["project"]) ParseProject(p);
    if (auto s = root["sources"]) ForEachEntry(s, "sources", [&](const YAML::Node& k, const YAML::Node& v) {
      ParseSource(k, v);
    });
    if (auto d = root["datasets"]) ForEachEntry(d, "datasets", [&](const YAML::Node& k, const YAML::Node& v) {
      ParseDataset(k, v);
    });
    if (auto s = root["storages"]) ForEachEntry(s, "storages", [&](const YAML::Node& k, const YAML::Node& v) {
      ParseStorage(k, v);
    });
    if (auto t = root["templates"]) ForEachEntry(t, "templates", [&](const YAML::Node& k, const YAML::Node& v) {
      ParseTemplate(k, v);
    });
    if (auto p = root["plans"]) ForEachEntry(p, "plans", [&](const YAML::Node& k, const YAML::Node& v) {
      ParsePlan(k, v);
    });
    DeriveDependencies();
    CheckDependencies();
    CheckSchedules();
    if (auto v = root["serve"]) ParseServe(v);
    if (auto v = root["alerts"]) ParseAlerts(v);
    return Finish();
  }

 private:
  // --- issues -----------------------------------------------------------------------------------

  SourceLocation Loc(const YAML::Mark& m) const {
    if (m.is_null() || m.line < 0) return {file_, 0, 0};
    return {file_, m.line + 1, m.column + 1};
  }
  void Error(const YAML::Mark& m, std::string msg) { issues_.push_back({Loc(m), std::move(msg), false}); }
  void Warn(const YAML::Mark& m, std::string msg) { issues_.push_back({Loc(m), std::move(msg), true}); }

  // A plugin's (or a channel's) own checks, each problem reported at the value of its key in mapping `n`
  // ("path.key: message"), or at `fallback` when the key is not written.
  void ReportProblems(const YAML::Node& n, const YAML::Mark& fallback, const std::string& path,
                      const core::OptionProblems& problems) {
    for (const auto& p : problems) Error(ProblemMark(n, p, fallback, text_), path + "." + p.key + ": " + p.message);
  }
  core::OptionCheckContext CheckContext() const { return {.resolve_secrets = options_.resolve_secrets}; }

  ConfigResult Finish() {
    ConfigResult r;
    r.project = config_.project;
    std::stable_sort(issues_.begin(), issues_.end(), [](const ConfigIssue& a, const ConfigIssue& b) {
      return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
    });
    r.issues = std::move(issues_);
    bool has_error = std::any_of(r.issues.begin(), r.issues.end(), [](const auto& i) { return !i.warning; });
    if (!has_error) r.config = std::move(config_);
    return r;
  }

  // --- typed accessors --------------------------------------------------------------------------

  std::optional<std::string> Str(const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) {
      Error(n.Mark(), path + ": expected a text value, got a " + Kind(n));
      return std::nullopt;
    }
    return n.Scalar();
  }

  std::optional<int64_t> Int(const YAML::Node& n, const std::string& path) {
    if (!n.IsScalar()) {
      Error(n.Mark(), path + ": expected an integer, got a " + Kind(n));
      return std::nullopt;
    }
    auto v = core::ParseInt64(core::Trim(n.Scalar()));
    if (!v) Error(n.Mark(), path + ": expected an integer, got " + Quote(n.Scalar()));
    return v;
  }

  std::optional<int64_t> PositiveInt(const YAML::Node& n, const std::string& path, int64_t max) {
    auto v = Int(n, path);
    if (v && (*v < 1 || *v > max)) {
      Error(n.Mark(), path + ": " + std::to_string(*v) + " is out of range (1 to " + std::to_string(max) + ")");
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> Bool(const YAML::Node& n, const std::string& path) {
    if (n.IsScalar()) {
      std::string t = core::ToLower(n.Scalar());
      if (t == "true" || t == "yes" || t == "on") return true;
      if (t == "false" || t == "no" || t == "off") return false;
    }
    Error(n.Mark(), path + ": expected true or false, got " + (n.IsScalar() ? Quote(n.Scalar()) : "a " + Kind(n)));
    return std::nullopt;
  }

  // A list of names, or a single name.
  std::optional<std::vector<std::string>> StrList(const YAML::Node& n, const std::string& path) {
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

  static std::string Kind(const YAML::Node& n) {
    if (n.IsMap()) return "mapping";
    if (n.IsSequence()) return "list";
    if (n.IsNull()) return "null";
    return "value";
  }

  bool RequireMap(const YAML::Node& n, const std::string& path) {
    if (n.IsMap()) return true;
    Error(n.Mark(), path + ": expected a mapping (key: value lines), got a " + Kind(n));
    return false;
  }

  // Reports unknown and duplicate keys.
  void CheckKeys(const YAML::Node& map, const std::string& path, const std::vector<std::string>& allowed) {
    std::set<std::string> seen;
    for (auto it = map.begin(); it != map.end(); ++it) {
      std::string key = it->first.Scalar();
      if (!seen.insert(key).second) {
        Error(it->first.Mark(), "duplicate key " + Quote(key) + " in " + path);
        continue;
      }
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        Error(it->first.Mark(),
              "unknown key " + Quote(key) + " in " + path + " (allowed: " + JoinNames(allowed) + ")");
      }
    }
  }

  void ForEachEntry(const YAML::Node& n, const std::string& section,
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
      locations_[section + "." + name] = it->first.Mark();
      fn(it->first, it->second);
    }
  }

  // --- project ----------------------------------------------------------------------------------

  void ParseProject(const YAML::Node& n) {
    if (!RequireMap(n, "project")) return;
    CheckKeys(n, "project", {"name", "system_db", "schema_refresh_hours"});
    if (auto v = n["name"]) {
      if (auto s = Str(v, "project.name")) config_.project.name = *s;
    }
    if (auto v = n["system_db"]) {
      if (auto s = Str(v, "project.system_db")) config_.project.system_db = *s;
    }
    if (auto v = n["schema_refresh_hours"]) {
      auto h = Int(v, "project.schema_refresh_hours");
      if (h && (*h < 0 || *h > 24 * 366)) {
        Error(v.Mark(), "project.schema_refresh_hours: " + std::to_string(*h) + " is out of range (0 to 8784; 0 = off)");
      } else if (h) {
        config_.project.schema_refresh_hours = *h;
      }
    }
  }

  // --- sources ----------------------------------------------------------------------------------

  std::optional<datasource::QuotaLimits> ParseLimits(const YAML::Node& n, const std::string& path) {
    if (!RequireMap(n, path)) return std::nullopt;
    CheckKeys(n, path, {"per_minute", "per_hour", "per_day", "concurrency", "margin_ms"});
    datasource::QuotaLimits l;
    if (auto v = n["per_minute"]) l.per_minute = PositiveInt(v, path + ".per_minute", 1'000'000);
    if (auto v = n["per_hour"]) l.per_hour = PositiveInt(v, path + ".per_hour", 100'000'000);
    if (auto v = n["per_day"]) l.per_day = PositiveInt(v, path + ".per_day", 1'000'000'000);
    if (auto v = n["concurrency"]) l.concurrency = PositiveInt(v, path + ".concurrency", 256);
    if (auto v = n["margin_ms"]) l.margin_ms = PositiveInt(v, path + ".margin_ms", 600'000);
    return l;
  }

  // Validates a plugin's options (every key of `n` except `reserved`) against its option table. `complete`
  // is cleared when an option's value was refused or a required one is missing (unknown keys do not count):
  // the plugin's own checks need them all.
  core::Options ParseOptions(const YAML::Node& n, const std::string& path, std::span<const OptionSpec> specs,
                             const std::vector<std::string>& reserved, bool& complete) {
    core::Options opts;
    std::vector<std::string> allowed = reserved;
    for (const auto& s : specs) allowed.emplace_back(s.name);
    CheckKeys(n, path, allowed);
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string key = it->first.Scalar();
      if (std::find(reserved.begin(), reserved.end(), key) != reserved.end()) continue;
      const OptionSpec* spec = core::FindOption(specs, key);
      if (!spec) continue;  // reported by CheckKeys
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
        Warn(v.Mark(), where + ": a secret is written in the file; use a ${ENV_VAR} reference instead");
      }
      opts.Set(key, std::move(*parsed));
    }
    for (const auto& s : specs) {
      if (s.required && !opts.Has(s.name)) {
        Error(n.Mark(), path + ": missing required key " + Quote(s.name) + " (" + std::string(s.description) + ")");
        complete = false;
      }
    }
    (void)opts.ApplyDefaults(specs, path);
    return opts;
  }

  void ParseSource(const YAML::Node& key, const YAML::Node& n) {
    std::string name = key.Scalar();
    std::string path = "sources." + name;
    if (!RequireMap(n, path)) return;
    datasource::DataSource src;
    src.name = name;
    auto provider_node = n["provider"];
    if (!provider_node) {
      Error(key.Mark(), path + ": missing required key 'provider' (allowed: " + JoinNames(providers_.Ids()) + ")");
      return;
    }
    auto provider = Str(provider_node, path + ".provider");
    if (!provider) return;
    const datasource::ProviderInfo* info = providers_.Find(*provider);
    if (!info) {
      Error(provider_node.Mark(), path + ".provider: unknown provider " + Quote(*provider) +
                                      " (allowed: " + JoinNames(providers_.Ids()) + ")");
      return;
    }
    src.provider = *provider;
    src.endpoint = info->default_endpoint;
    src.timezone = info->default_timezone.empty() ? "UTC" : info->default_timezone;
    bool options_ok = true;
    src.options = ParseOptions(n, path, info->options,
                               {"provider", "endpoint", "token", "timezone", "limits", "api_limits"}, options_ok);
    if (auto v = n["endpoint"]) {
      if (auto s = Str(v, path + ".endpoint")) {
        if (!s->starts_with("http://") && !s->starts_with("https://")) {
          Error(v.Mark(), path + ".endpoint: " + Quote(*s) + " is not an http:// or https:// URL");
        }
        src.endpoint = *s;
      }
    }
    if (auto v = n["token"]) {
      if (auto s = Str(v, path + ".token")) {
        src.token = *s;
        if (!core::IsSecretReference(*s)) {
          core::RegisterSecret(*s);
          Warn(v.Mark(), path + ".token: the token is written in the file; use ${TUSHARE_TOKEN} (an environment "
                                "variable) so it never lands in version control");
        }
      } else {
        options_ok = false;
      }
    } else {
      Error(key.Mark(), path + ": missing required key 'token' (e.g. token: ${TUSHARE_TOKEN})");
      options_ok = false;
    }
    // The provider's own rules (the token it will send included) need the options and the token read.
    if (info->validate && options_ok) ReportProblems(n, key.Mark(), path, info->validate(src, CheckContext()));
    if (auto v = n["timezone"]) {
      if (auto s = Str(v, path + ".timezone")) {
        if (auto tz = core::TimeZone::Load(*s); !tz) Error(v.Mark(), path + ".timezone: " + tz.error().message());
        src.timezone = *s;
      }
    }
    if (auto v = n["limits"]) {
      if (auto l = ParseLimits(v, path + ".limits")) src.limits = *l;
    }
    if (auto v = n["api_limits"]) {
      if (RequireMap(v, path + ".api_limits")) {
        for (auto it = v.begin(); it != v.end(); ++it) {
          std::string api = it->first.Scalar();
          if (auto l = ParseLimits(it->second, path + ".api_limits." + api)) src.api_limits[api] = *l;
        }
      }
    }
    config_.sources.push_back(std::move(src));
  }

  // --- datasets ---------------------------------------------------------------------------------

  std::optional<core::Field> ParseField(const YAML::Node& n, const std::string& path) {
    if (!RequireMap(n, path)) return std::nullopt;
    CheckKeys(n, path, {"name", "type", "description", "nullable"});
    core::Field f;
    auto name = n["name"];
    auto type = n["type"];
    if (!name || !type) {
      Error(n.Mark(), path + ": a field needs 'name' and 'type'");
      return std::nullopt;
    }
    auto s = Str(name, path + ".name");
    if (!s) return std::nullopt;
    if (s->empty()) {
      Error(name.Mark(), path + ".name: a field name cannot be empty");
      return std::nullopt;
    }
    f.name = *s;
    auto t = Str(type, path + ".type");
    if (!t) return std::nullopt;
    auto lt = core::LogicalType::Parse(*t);
    if (!lt) {
      Error(type.Mark(), path + ".type: unknown type " + Quote(*t) + " (allowed: " +
                             std::string(core::LogicalTypeNames()) + ")");
      return std::nullopt;
    }
    f.type = *lt;
    if (auto d = n["description"]) {
      if (auto ds = Str(d, path + ".description")) f.description = *ds;
    }
    if (auto nl = n["nullable"]) {
      if (auto b = Bool(nl, path + ".nullable")) f.nullable = *b;
    }
    return f;
  }

  void ParseDataset(const YAML::Node& key, const YAML::Node& n) {
    std::string name = key.Scalar();
    std::string path = "datasets." + name;
    if (!RequireMap(n, path)) return;
    CheckKeys(n, path, {"source", "api", "title", "description", "doc_url", "primary_key", "date_key", "row_cap",
                        "paging", "points", "default_fields", "params", "fields"});
    datasource::Dataset ds;
    ds.name = name;
    auto src_node = n["source"];
    if (!src_node) {
      Error(key.Mark(), path + ": missing required key 'source' (the name of an entry under sources)");
      return;
    }
    auto src_name = Str(src_node, path + ".source");
    if (!src_name) return;
    const datasource::DataSource* src = config_.FindSource(*src_name);
    if (!src) {
      Error(src_node.Mark(), path + ".source: unknown source " + Quote(*src_name) + " (defined: " +
                                 JoinNames(Names(config_.sources)) + ")");
      return;
    }
    ds.source = *src_name;
    ds.api = name;
    if (auto v = n["api"]) {
      if (auto s = Str(v, path + ".api")) ds.api = *s;
    }
    // Start from the provider's built-in catalog entry for this API, if it has one.
    const datasource::ProviderInfo* info = providers_.Find(src->provider);
    bool from_catalog = false;
    if (info && info->builtin_datasets) {
      for (auto& builtin : info->builtin_datasets(src->name)) {
        if (builtin.api == ds.api) {
          std::string keep_name = ds.name;
          ds = std::move(builtin);
          ds.name = keep_name;
          ds.source = src->name;
          from_catalog = true;
          break;
        }
      }
    }
    auto text = [&](const char* k, std::string& out) {
      if (auto v = n[k]) {
        if (auto s = Str(v, path + "." + k)) out = *s;
      }
    };
    text("title", ds.title);
    text("description", ds.description);
    text("doc_url", ds.doc_url);
    if (auto v = n["row_cap"]) {
      if (auto r = PositiveInt(v, path + ".row_cap", 100'000'000)) ds.row_cap = *r;
    }
    if (auto v = n["paging"]) {
      if (auto p = Str(v, path + ".paging")) {
        if (*p == "offset") ds.paging = "offset";
        else if (*p == "none") ds.paging.clear();
        else Error(v.Mark(), path + ".paging: " + Quote(*p) + " is not allowed (allowed: offset, none)");
      }
    }
    if (auto v = n["points"]) {
      if (auto r = PositiveInt(v, path + ".points", 100'000'000)) ds.points = *r;
    }
    if (auto v = n["params"]) ParseParams(v, path + ".params", ds);
    if (auto v = n["fields"]) {
      if (!v.IsSequence()) {
        Error(v.Mark(), path + ".fields: expected a list of {name, type} entries, got a " + Kind(v));
        return;
      }
      std::vector<core::Field> fields;
      std::set<std::string> seen;
      int i = 0;
      for (const auto& item : v) {
        auto f = ParseField(item, path + ".fields[" + std::to_string(i++) + "]");
        if (!f) continue;
        if (!seen.insert(f->name).second) {
          Error(item.Mark(), path + ".fields: duplicate field " + Quote(f->name));
          continue;
        }
        fields.push_back(std::move(*f));
      }
      if (fields.empty()) {
        Error(v.Mark(), path + ".fields: a dataset needs at least one field");
        return;
      }
      ds.schema = std::make_shared<core::Schema>(std::move(fields));
    } else if (!from_catalog) {
      Error(key.Mark(), path + ": api " + Quote(ds.api) + " is not in the " + src->provider +
                            " built-in catalog; list its fields under 'fields' (see docs/configuration.md)");
      return;
    }
    if (auto v = n["primary_key"]) {
      if (auto pk = StrList(v, path + ".primary_key")) ds.primary_key = *pk;
    }
    if (auto v = n["date_key"]) {
      if (auto s = Str(v, path + ".date_key")) ds.date_key = *s;
    }
    for (const auto& k : ds.primary_key) {
      if (!ds.schema->IndexOf(k)) {
        Error(n["primary_key"] ? n["primary_key"].Mark() : key.Mark(),
              path + ".primary_key: " + Quote(k) + " is not a field (fields: " + JoinNames(ds.schema->Names()) + ")");
      }
    }
    if (!ds.date_key.empty() && !ds.schema->IndexOf(ds.date_key)) {
      Error(n["date_key"] ? n["date_key"].Mark() : key.Mark(),
            path + ".date_key: " + Quote(ds.date_key) + " is not a field (fields: " +
                JoinNames(ds.schema->Names()) + ")");
    }
    if (auto v = n["default_fields"]) {
      if (auto l = StrList(v, path + ".default_fields")) {
        for (const auto& f : *l) {
          if (!ds.schema->IndexOf(f)) {
            Error(v.Mark(), path + ".default_fields: " + Quote(f) + " is not a field (fields: " +
                                JoinNames(ds.schema->Names()) + ")");
          }
        }
        ds.default_fields = *l;
      }
    }
    for (const auto& imported : imported_) {
      if (imported.name == ds.name) {
        Warn(key.Mark(), path + ": replaces the dataset of the same name imported from " +
                             (imported.doc_url.empty() ? std::string("a doc page") : imported.doc_url) +
                             " (`datasync apply` stores this definition instead)");
      }
    }
    ds.origin = datasource::DatasetOrigin::kConfig;
    config_.datasets.push_back(std::move(ds));
  }

  void ParseParams(const YAML::Node& v, const std::string& path, datasource::Dataset& ds) {
    if (!v.IsSequence()) {
      Error(v.Mark(), path + ": expected a list of {name, type, required, description}, got a " + Kind(v));
      return;
    }
    ds.params.clear();
    int i = 0;
    for (const auto& item : v) {
      std::string p = path + "[" + std::to_string(i++) + "]";
      if (!RequireMap(item, p)) continue;
      CheckKeys(item, p, {"name", "type", "required", "description"});
      datasource::RequestParam rp;
      auto name = item["name"];
      if (!name) {
        Error(item.Mark(), p + ": a param needs 'name'");
        continue;
      }
      if (auto s = Str(name, p + ".name")) rp.name = *s;
      if (auto t = item["type"]) {
        if (auto s = Str(t, p + ".type")) rp.type = *s;
      }
      if (auto r = item["required"]) {
        if (auto b = Bool(r, p + ".required")) rp.required = *b;
      }
      if (auto d = item["description"]) {
        if (auto s = Str(d, p + ".description")) rp.description = *s;
      }
      ds.params.push_back(std::move(rp));
    }
  }

  // --- storages ---------------------------------------------------------------------------------

  void ParseStorage(const YAML::Node& key, const YAML::Node& n) {
    std::string name = key.Scalar();
    std::string path = "storages." + name;
    if (!RequireMap(n, path)) return;
    auto kind_node = n["kind"];
    if (!kind_node) {
      Error(key.Mark(), path + ": missing required key 'kind' (allowed: " + JoinNames(sinks_.Ids()) + ")");
      return;
    }
    auto kind = Str(kind_node, path + ".kind");
    if (!kind) return;
    const storage::SinkInfo* info = sinks_.Find(*kind);
    if (!info) {
      Error(kind_node.Mark(),
            path + ".kind: unknown kind " + Quote(*kind) + " (allowed: " + JoinNames(sinks_.Ids()) + ")");
      return;
    }
    storage::Storage st;
    st.name = name;
    st.kind = *kind;
    bool complete = true;
    st.options = ParseOptions(n, path, info->options, {"kind"}, complete);
    if (info->validate && complete) {
      ReportProblems(n, key.Mark(), path, info->validate(st.options, CheckContext()));
    }
    config_.storages.push_back(std::move(st));
  }

  // --- parameter sources ------------------------------------------------------------------------

  static std::vector<std::string> SourceKeys() {
    return {"dates", "trading_days", "column", "windows", "since_checkpoint", "today", "now", "format", "zip",
            "product"};
  }

  void TextKey(const YAML::Node& n, const std::string& path, const char* k, std::string& out) {
    if (auto v = n[k]) {
      if (v.IsNull()) {
        out.clear();
      } else if (auto s = Str(v, path + "." + k)) {
        out = *s;
      }
    }
  }

  bool ParseWhere(const YAML::Node& n, const std::string& path, std::vector<std::pair<std::string, std::string>>& out) {
    if (!RequireMap(n, path)) return false;
    for (auto it = n.begin(); it != n.end(); ++it) {
      auto v = Str(it->second, path + "." + it->first.Scalar());
      if (!v) return false;
      out.emplace_back(it->first.Scalar(), *v);
    }
    return true;
  }

  // calendar, column, exchange, is_open, where, storage: the open days of a calendar dataset.
  bool CalendarFilters(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
    ps.dataset = "trade_cal";
    ps.column = "cal_date";
    TextKey(n, path, "calendar", ps.dataset);
    TextKey(n, path, "column", ps.column);
    TextKey(n, path, "storage", ps.storage);
    std::string exchange = "SSE", is_open = "1";
    TextKey(n, path, "exchange", exchange);
    TextKey(n, path, "is_open", is_open);
    if (!exchange.empty() && exchange != "any") ps.where.emplace_back("exchange", exchange);
    if (is_open != "any" && !is_open.empty()) {
      if (is_open != "0" && is_open != "1") {
        Error(n["is_open"].Mark(), path + ".is_open: " + Quote(is_open) + " is not allowed (allowed: 1, 0, any)");
        return false;
      }
      ps.where.emplace_back("is_open", is_open);
    }
    if (auto w = n["where"]) return ParseWhere(w, path + ".where", ps.where);
    return true;
  }

  bool RequireStart(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
    auto start = n["start"];
    if (!start) {
      Error(n.Mark(), path + ": missing required key 'start' (YYYYMMDD, YYYY-MM-DD or today-N)");
      return false;
    }
    auto s = Str(start, path + ".start");
    if (s) ps.start = *s;
    ps.end = "today";
    TextKey(n, path, "end", ps.end);
    return s.has_value();
  }

  bool ParseDates(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
    if (!RequireMap(n, path)) return false;
    CheckKeys(n, path, {"start", "end", "step", "format", "weekdays_only"});
    ps.kind = generation::ParamSource::Kind::kDateRange;
    if (!RequireStart(n, path, ps)) return false;
    TextKey(n, path, "step", ps.step);
    TextKey(n, path, "format", ps.format);
    if (auto w = n["weekdays_only"]) {
      if (auto b = Bool(w, path + ".weekdays_only")) ps.weekdays_only = *b;
    }
    return true;
  }

  bool ParseTradingDays(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
    if (!RequireMap(n, path)) return false;
    CheckKeys(n, path, {"calendar", "column", "exchange", "is_open", "where", "storage", "start", "end", "step",
                        "pick", "format"});
    ps.kind = generation::ParamSource::Kind::kTradingDays;
    if (!RequireStart(n, path, ps) || !CalendarFilters(n, path, ps)) return false;
    TextKey(n, path, "step", ps.step);
    TextKey(n, path, "pick", ps.pick);
    TextKey(n, path, "format", ps.format);
    return true;
  }

  bool ParseColumn(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
    if (!RequireMap(n, path)) return false;
    CheckKeys(n, path, {"dataset", "column", "where", "storage", "format"});
    ps.kind = generation::ParamSource::Kind::kColumn;
    if (!n["dataset"]) {
      Error(n.Mark(), path + ": missing required key 'dataset' (the dataset whose column is read)");
      return false;
    }
    TextKey(n, path, "dataset", ps.dataset);
    ps.column = ps.name;
    TextKey(n, path, "column", ps.column);
    TextKey(n, path, "storage", ps.storage);
    TextKey(n, path, "format", ps.format);
    if (auto w = n["where"]) return ParseWhere(w, path + ".where", ps.where);
    return true;
  }

  bool ParseWindows(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
    if (!RequireMap(n, path)) return false;
    CheckKeys(n, path, {"start", "end", "days", "months", "align", "names", "format"});
    ps.kind = generation::ParamSource::Kind::kWindows;
    if (!RequireStart(n, path, ps)) return false;
    if (auto v = n["days"]) {
      if (auto d = PositiveInt(v, path + ".days", 200 * 366)) ps.window_days = *d;
    }
    if (auto v = n["months"]) {
      if (auto m = PositiveInt(v, path + ".months", 12 * 200)) ps.window_months = *m;
    }
    TextKey(n, path, "align", ps.align);
    TextKey(n, path, "format", ps.format);
    if (auto v = n["names"]) {
      auto names = StrList(v, path + ".names");
      if (!names) return false;
      if (names->size() != 2) {
        Error(v.Mark(), path + ".names: give two parameter names, for the start and the end of each window");
        return false;
      }
      ps.columns = *names;
    }
    return true;
  }

  bool ParseSince(const YAML::Node& n, const std::string& path, generation::ParamSource& ps) {
    if (!RequireMap(n, path)) return false;
    CheckKeys(n, path, {"initial", "lookback", "step", "end", "format", "calendar", "column", "exchange", "is_open",
                        "where", "storage"});
    ps.kind = generation::ParamSource::Kind::kSinceCheckpoint;
    ps.end = "today";
    TextKey(n, path, "initial", ps.initial);
    TextKey(n, path, "end", ps.end);
    TextKey(n, path, "step", ps.step);
    TextKey(n, path, "format", ps.format);
    if (auto v = n["lookback"]) {
      auto l = Int(v, path + ".lookback");
      if (!l) return false;
      ps.lookback = *l;
    }
    if (n["calendar"] || n["exchange"] || n["is_open"]) return CalendarFilters(n, path, ps);
    return true;
  }

  bool ParseNow(const YAML::Node& n, const std::string& path, bool now, generation::ParamSource& ps) {
    ps.kind = generation::ParamSource::Kind::kNow;
    ps.unit = now ? "minute" : "day";
    ps.format = now ? "YYYY-MM-DD hh:mm:ss" : "YYYYMMDD";
    if (n.IsNull()) return true;
    if (n.IsScalar()) {  // `today: -1`: the offset alone
      auto o = Int(n, path);
      if (o) ps.offset = *o;
      return o.has_value();
    }
    if (!RequireMap(n, path)) return false;
    CheckKeys(n, path, now ? std::vector<std::string>{"offset", "unit", "format"}
                           : std::vector<std::string>{"offset", "format"});
    if (auto v = n["offset"]) {
      auto o = Int(v, path + ".offset");
      if (!o) return false;
      ps.offset = *o;
    }
    TextKey(n, path, "unit", ps.unit);
    TextKey(n, path, "format", ps.format);
    return true;
  }

  bool ParseGroup(const YAML::Node& n, const std::string& path, bool zip, generation::ParamSource& ps) {
    if (!RequireMap(n, path)) return false;
    ps.kind = zip ? generation::ParamSource::Kind::kZip : generation::ParamSource::Kind::kProduct;
    bool ok = true;
    for (auto it = n.begin(); it != n.end(); ++it) {
      std::string child = it->first.Scalar();
      auto c = ParseParamSource(child, it->second, path + "." + child);
      if (!c) {
        ok = false;
        continue;
      }
      ps.children.push_back(std::move(*c));
    }
    return ok;
  }

  std::optional<generation::ParamSource> ParseParamSource(const std::string& pname, const YAML::Node& v,
                                                          const std::string& path) {
    generation::ParamSource ps;
    ps.name = pname;
    if (v.IsScalar()) {
      ps.kind = generation::ParamSource::Kind::kConstant;
      ps.values = {v.Scalar()};
      return ps;
    }
    if (v.IsSequence()) {
      ps.kind = generation::ParamSource::Kind::kList;
      for (const auto& item : v) {
        auto s = Str(item, path);
        if (!s) return std::nullopt;
        ps.values.push_back(*s);
      }
      return ps;
    }
    if (!v.IsMap()) {
      Error(v.Mark(), path + ": expected a value, a list, or a mapping with one of " + JoinNames(SourceKeys()));
      return std::nullopt;
    }
    CheckKeys(v, path, SourceKeys());
    if (v.size() != 1) {
      std::vector<std::string> keys;
      for (auto it = v.begin(); it != v.end(); ++it) keys.push_back(it->first.Scalar());
      Error(v.Mark(), path + ": give one source, not several (" + JoinNames(keys) + ")");
      return std::nullopt;
    }
    std::string kind = v.begin()->first.Scalar();
    YAML::Node body = v.begin()->second;
    std::string kpath = path + "." + kind;
    bool ok = false;
    if (kind == "dates") {
      ok = ParseDates(body, kpath, ps);
    } else if (kind == "trading_days") {
      ok = ParseTradingDays(body, kpath, ps);
    } else if (kind == "column") {
      ok = ParseColumn(body, kpath, ps);
    } else if (kind == "windows") {
      ok = ParseWindows(body, kpath, ps);
    } else if (kind == "since_checkpoint") {
      ok = ParseSince(body, kpath, ps);
    } else if (kind == "today" || kind == "now") {
      ok = ParseNow(body, kpath, kind == "now", ps);
    } else if (kind == "format") {
      ps.kind = generation::ParamSource::Kind::kFormat;
      if (auto t = Str(body, kpath)) {
        ps.text = *t;
        ok = true;
      }
    } else if (kind == "zip" || kind == "product") {
      ok = ParseGroup(body, kpath, kind == "zip", ps);
    } else {
      return std::nullopt;  // reported by CheckKeys
    }
    if (!ok) return std::nullopt;
    // Checks dates, steps, formats and templates now, so a typo fails validate rather than a run.
    if (auto st = generation::CheckSource(ps); !st) {
      Error(body.Mark(), path + ": " + st.error().message());
      return std::nullopt;
    }
    return ps;
  }

  // A params block (plans.X.params, templates.X.params): name -> source, in order. `marks` gets where each
  // name it defines is written (windows and groups define several).
  void ParseSourcesBlock(const YAML::Node& p, const std::string& path, std::vector<generation::ParamSource>& out,
                         std::map<std::string, YAML::Mark>& marks) {
    if (!RequireMap(p, path)) return;
    std::set<std::string> seen;
    for (auto it = p.begin(); it != p.end(); ++it) {
      std::string pname = it->first.Scalar();
      if (!seen.insert(pname).second) {
        Error(it->first.Mark(), "duplicate key " + Quote(pname) + " in " + path);
        continue;
      }
      auto ps = ParseParamSource(pname, it->second, path + "." + pname);
      if (!ps) continue;
      marks[pname] = it->first.Mark();
      for (const auto& d : generation::InspectSources({*ps}).defined) marks.emplace(d, it->first.Mark());
      out.push_back(std::move(*ps));
    }
  }

  // --- templates --------------------------------------------------------------------------------

  void ParseTemplate(const YAML::Node& key, const YAML::Node& n) {
    std::string name = key.Scalar();
    std::string path = "templates." + name;
    if (!RequireMap(n, path)) return;
    CheckKeys(n, path, {"description", "params"});
    generation::Template t;
    t.name = name;
    TextKey(n, path, "description", t.description);
    auto p = n["params"];
    if (!p) {
      Error(key.Mark(), path + ": missing required key 'params' (parameter sources, as under plans.NAME.params)");
      return;
    }
    std::map<std::string, YAML::Mark> marks;
    ParseSourcesBlock(p, path + ".params", t.params, marks);
    template_marks_[name] = std::move(marks);
    config_.templates.push_back(std::move(t));
  }

  // --- plans ------------------------------------------------------------------------------------

  const datasource::Dataset* FindAnyDataset(std::string_view name) const {
    if (const auto* d = config_.FindDataset(name)) return d;
    for (const auto& d : imported_) {
      if (d.name == name) return &d;
    }
    return nullptr;
  }

  std::vector<std::string> AllDatasetNames() const {
    std::vector<std::string> names;
    for (const auto& d : config_.datasets) names.push_back(d.name);
    for (const auto& d : imported_) {
      if (!config_.FindDataset(d.name)) names.push_back(d.name + " (imported)");
    }
    if (names.empty()) names.push_back("none");
    return names;
  }

  // What a plan's composed sources send, read and derive, checked against its dataset and the catalog.
  // `mark_of(name)` is where a name is defined; `where_of(name)` names that place in messages.
  void CheckPlanSources(const sync::SyncPlan& plan, const datasource::Dataset* ds, const YAML::Mark& plan_mark,
                        const std::vector<generation::ParamSource>& sources,
                        const std::function<YAML::Mark(const std::string&)>& mark_of,
                        const std::function<std::string(const std::string&)>& where_of) {
    std::string path = "plans." + plan.name;
    generation::SourceUse use = generation::InspectSources(sources);
    std::set<std::string> seen;
    for (const auto& name : use.defined) {
      if (!seen.insert(name).second) {
        Error(mark_of(name), where_of(name) + ": " + Quote(name) + " is defined twice (a window or group defines it too)");
      }
    }
    if (ds && !ds->params.empty()) {
      std::vector<std::string> allowed;
      for (const auto& rp : ds->params) allowed.push_back(rp.name);
      for (const auto& name : use.sent) {
        if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
          Error(mark_of(name), where_of(name) + ": dataset " + Quote(ds->name) + " has no request parameter " +
                                   Quote(name) + " (allowed: " + JoinNames(allowed) +
                                   "; names starting with _ are variables that are not sent)");
        }
      }
    }
    if (ds) {
      for (const auto& rp : ds->params) {
        if (rp.required && std::find(use.sent.begin(), use.sent.end(), rp.name) == use.sent.end()) {
          Error(plan_mark, path + ": dataset " + Quote(ds->name) + " requires parameter " + Quote(rp.name) +
                               " (add it under params)");
        }
      }
    }
    for (const auto& s : sources) {
      if (s.kind != generation::ParamSource::Kind::kFormat) continue;
      auto t = generation::TextTemplate::Parse(s.text, generation::Escape::kNone);
      if (!t) continue;  // reported where it was parsed
      for (const auto& ref : t->names()) {
        if (std::find(use.defined.begin(), use.defined.end(), ref) == use.defined.end()) {
          Error(mark_of(s.name), where_of(s.name) + "." + s.name + ": format uses {{" + ref +
                                     "}}, which no parameter or _variable of this plan defines");
        }
      }
    }
    std::function<void(const generation::ParamSource&, const std::string&)> reads =
        [&](const generation::ParamSource& s, const std::string& top) {
          for (const auto& c : s.children) reads(c, top);
          if (s.dataset.empty()) return;
          std::string where = where_of(top) + "." + top;
          const datasource::Dataset* rd = FindAnyDataset(s.dataset);
          if (!rd) {
            Error(mark_of(top), where + ": unknown dataset " + Quote(s.dataset) + " (defined: " +
                                    JoinNames(AllDatasetNames()) + ")");
            return;
          }
          std::vector<std::string> columns = {s.column};
          for (const auto& [k, v] : s.where) columns.push_back(k);
          for (const auto& c : columns) {
            if (rd->schema && !rd->schema->IndexOf(c)) {
              Error(mark_of(top), where + ": dataset " + Quote(rd->name) + " has no field " + Quote(c) + " (fields: " +
                                      JoinNames(rd->schema->Names()) + ")");
            }
          }
          reads_.push_back({plan.name, s.dataset, s.storage, mark_of(top), where});
        };
    for (const auto& s : sources) reads(s, s.name);
    if (use.uses_checkpoint && ds) {
      YAML::Mark at = plan_mark;
      for (const auto& s : sources) {
        if (s.kind == generation::ParamSource::Kind::kSinceCheckpoint) at = mark_of(s.name);
      }
      if (ds->date_key.empty()) {
        Error(at, path + ": since_checkpoint needs dataset " + Quote(ds->name) +
                      " to have a date_key (the column whose newest value is the checkpoint)");
      } else if (auto st = CheckpointStorage(plan, config_.storages, sinks_); !st) {
        Error(at, path + ": " + st.error().message());
      }
    }
  }

  void ParsePlan(const YAML::Node& key, const YAML::Node& n) {
    std::string name = key.Scalar();
    std::string path = "plans." + name;
    if (!RequireMap(n, path)) return;
    CheckKeys(n, path, {"dataset", "storages", "mode", "template", "params", "retry", "concurrency",
                        "max_wait_secs", "schedule", "depends_on", "enabled", "description"});
    sync::SyncPlan plan;
    plan.name = name;
    auto ds_node = n["dataset"];
    const datasource::Dataset* ds = nullptr;
    if (!ds_node) {
      Error(key.Mark(), path + ": missing required key 'dataset'");
    } else if (auto s = Str(ds_node, path + ".dataset")) {
      ds = FindAnyDataset(*s);
      if (!ds) {
        Error(ds_node.Mark(), path + ".dataset: unknown dataset " + Quote(*s) + " (defined: " +
                                  JoinNames(AllDatasetNames()) + ")");
      }
      plan.dataset = *s;
    }
    auto st_node = n["storages"];
    if (!st_node) {
      Error(key.Mark(), path + ": missing required key 'storages' (names of entries under storages)");
    } else if (auto list = StrList(st_node, path + ".storages")) {
      if (list->empty()) Error(st_node.Mark(), path + ".storages: a plan needs at least one storage");
      std::set<std::string> seen;
      for (const auto& s : *list) {
        if (!config_.FindStorage(s)) {
          Error(st_node.Mark(), path + ".storages: unknown storage " + Quote(s) + " (defined: " +
                                    JoinNames(Names(config_.storages)) + ")");
        } else if (!seen.insert(s).second) {
          Error(st_node.Mark(), path + ".storages: " + Quote(s) + " is listed twice");
        }
      }
      plan.storages = *list;
    }
    if (auto m = n["mode"]) {
      if (auto s = Str(m, path + ".mode")) {
        auto mode = storage::ParseWriteMode(*s);
        if (!mode) Error(m.Mark(), path + ".mode: " + Quote(*s) + " is not allowed (allowed: append, upsert, replace)");
        else plan.mode = *mode;
      }
    }
    if (ds && plan.mode == storage::WriteMode::kUpsert && ds->primary_key.empty()) {
      Error(n["mode"] ? n["mode"].Mark() : key.Mark(),
            path + ": mode upsert needs a primary key; dataset " + Quote(ds->name) +
                " has none (set datasets." + ds->name + ".primary_key, or use mode: append)");
    }
    std::map<std::string, YAML::Mark> marks;
    if (auto p = n["params"]) ParseSourcesBlock(p, path + ".params", plan.args.params, marks);
    const generation::Template* tmpl = nullptr;
    YAML::Mark tmpl_mark = key.Mark();
    if (auto t = n["template"]) {
      tmpl_mark = t.Mark();
      if (auto s = Str(t, path + ".template")) {
        plan.args.template_name = *s;
        tmpl = config_.FindTemplate(*s);
        if (!tmpl) {
          Error(t.Mark(), path + ".template: unknown template " + Quote(*s) + " (defined: " +
                              JoinNames(Names(config_.templates)) + ")");
        }
      }
    }
    if (plan.args.template_name.empty() || tmpl) {
      auto mark_of = [&](const std::string& pname) {
        auto it = marks.find(pname);
        if (it != marks.end()) return it->second;
        if (tmpl) {
          const auto& tm = template_marks_[tmpl->name];
          if (auto t = tm.find(pname); t != tm.end()) return t->second;
        }
        return tmpl_mark;
      };
      auto where_of = [&](const std::string& pname) {
        if (marks.count(pname) || !tmpl) return path + ".params";
        return "templates." + tmpl->name + ".params (used by " + path + ")";
      };
      CheckPlanSources(plan, ds, key.Mark(), generation::ComposeSources(tmpl, plan.args.params), mark_of, where_of);
    }
    if (auto r = n["retry"]) {
      std::string rpath = path + ".retry";
      if (RequireMap(r, rpath)) {
        CheckKeys(r, rpath, {"max_attempts", "initial_backoff_ms", "max_backoff_ms"});
        if (auto v = r["max_attempts"]) {
          if (auto x = PositiveInt(v, rpath + ".max_attempts", 100)) plan.retry.max_attempts = *x;
        }
        if (auto v = r["initial_backoff_ms"]) {
          if (auto x = PositiveInt(v, rpath + ".initial_backoff_ms", 3'600'000)) plan.retry.initial_backoff_ms = *x;
        }
        if (auto v = r["max_backoff_ms"]) {
          if (auto x = PositiveInt(v, rpath + ".max_backoff_ms", 86'400'000)) plan.retry.max_backoff_ms = *x;
        }
      }
    }
    if (auto v = n["concurrency"]) {
      if (auto x = PositiveInt(v, path + ".concurrency", 256)) plan.concurrency = *x;
    }
    if (auto v = n["max_wait_secs"]) {
      if (auto x = PositiveInt(v, path + ".max_wait_secs", 7 * 86400)) plan.max_wait_secs = *x;
    }
    if (auto v = n["schedule"]) ParseSchedule(v, path + ".schedule", ds, plan);
    if (auto v = n["depends_on"]) {
      if (auto l = StrList(v, path + ".depends_on")) {
        plan.depends_on = *l;
        depends_marks_[name] = v.Mark();
      }
    }
    if (auto v = n["enabled"]) {
      if (auto b = Bool(v, path + ".enabled")) plan.enabled = *b;
    }
    config_.plans.push_back(std::move(plan));
  }

  // A plan that reads another dataset depends on the plans that sync it; reading needs a storage that
  // holds the dataset and that datasync can read back.
  void DeriveDependencies() {
    for (const auto& r : reads_) {
      sync::SyncPlan* p = nullptr;
      for (auto& x : config_.plans) {
        if (x.name == r.plan) p = &x;
      }
      if (!p) continue;
      auto storage = ResolveReadStorage(r.dataset, r.storage, config_.plans, config_.storages, sinks_);
      if (!storage) {
        Error(r.mark, r.where + ": reads dataset " + Quote(r.dataset) + ": " + storage.error().message());
        continue;
      }
      for (const auto& w : config_.plans) {
        if (w.dataset != r.dataset || w.name == p->name) continue;
        if (std::find(p->depends_on.begin(), p->depends_on.end(), w.name) == p->depends_on.end()) {
          p->depends_on.push_back(w.name);
        }
        depends_marks_.emplace(p->name, r.mark);
      }
    }
  }

  // --- schedules --------------------------------------------------------------------------------

  void ParseSchedule(const YAML::Node& n, const std::string& path, const datasource::Dataset* ds,
                     sync::SyncPlan& plan) {
    sync::ScheduleSpec spec;
    if (n.IsMap()) {
      CheckKeys(n, path, {"cron", "timezone", "calendar", "exchange", "when", "n", "misfire", "deadline"});
      if (!n["cron"]) {
        Error(n.Mark(), path + ": missing required key 'cron' (e.g. cron: \"30 17 * * *\")");
        return;
      }
    } else if (!n.IsScalar()) {
      Error(n.Mark(), path + ": expected a cron expression or a mapping {cron, timezone, calendar, when, ...}");
      return;
    }
    // Initialised, never assigned: assigning a YAML::Node writes through to the node it refers to.
    const YAML::Node cron_node = n.IsMap() ? n["cron"] : n;
    auto cron = Str(cron_node, path + (n.IsMap() ? ".cron" : ""));
    if (!cron) return;
    spec.cron = std::string(core::Trim(*cron));
    if (spec.cron.empty()) return;  // an empty schedule: manual only
    if (auto parsed = sync::CronExpr::Parse(spec.cron); !parsed) {
      Error(cron_node.Mark(), path + ": " + parsed.error().message());
      return;
    }
    // The plan's vendor's day by default: Tushare's 17:30 is Shanghai's.
    const datasource::DataSource* src = ds ? config_.FindSource(ds->source) : nullptr;
    spec.timezone = src ? src->timezone : "UTC";
    bool ok = true;
    if (n.IsMap()) {
      if (auto v = n["timezone"]) {
        if (auto t = Str(v, path + ".timezone")) {
          spec.timezone = *t;
          if (auto tz = core::TimeZone::Load(*t); !tz) {
            Error(v.Mark(), path + ".timezone: " + tz.error().message());
            ok = false;
          }
        }
      }
      if (auto v = n["calendar"]) {
        if (auto c = Str(v, path + ".calendar")) {
          spec.calendar = *c;
          spec.when = sync::DayRule::kOpenDays;  // a calendar alone means "on its open days"
          calendar_marks_[plan.name] = v.Mark();
        }
      }
      if (auto v = n["exchange"]) {
        if (auto e = Str(v, path + ".exchange")) spec.exchange = *e;
      }
      if (auto v = n["when"]) {
        if (auto w = Str(v, path + ".when")) {
          auto rule = sync::ParseDayRule(*w);
          if (!rule) {
            Error(v.Mark(), path + ".when: " + Quote(*w) + " is not allowed (allowed: every_day, open_days, "
                                                           "nth_trading_day)");
            ok = false;
          } else {
            spec.when = *rule;
            if (*rule != sync::DayRule::kEveryDay && spec.calendar.empty()) {
              Error(v.Mark(), path + ".when: " + Quote(*w) + " needs 'calendar' (the dataset with the trading "
                                                             "calendar, e.g. calendar: trade_cal)");
              ok = false;
            }
          }
        }
      }
      if (auto v = n["n"]) {
        if (auto x = Int(v, path + ".n")) {
          spec.n = *x;
          if (*x == 0 || *x > 23 || *x < -23) {
            Error(v.Mark(), path + ".n: " + std::to_string(*x) + " is out of range (1 to 23: the n-th trading day of "
                                                                 "the month; -1 to -23: counted from its end)");
            ok = false;
          } else if (spec.when != sync::DayRule::kNthTradingDay) {
            Error(v.Mark(), path + ".n: only used with when: nth_trading_day");
            ok = false;
          }
        }
      }
      if (auto v = n["misfire"]) {
        if (auto m = Str(v, path + ".misfire")) {
          auto policy = sync::ParseMisfire(*m);
          if (!policy) {
            Error(v.Mark(), path + ".misfire: " + Quote(*m) + " is not allowed (allowed: skip, once, catch_up)");
            ok = false;
          } else {
            spec.misfire = *policy;
          }
        }
      }
      if (auto v = n["deadline"]) {
        if (auto d = Str(v, path + ".deadline")) {
          spec.deadline = *d;
          if (!sync::ParseClockTime(*d)) {
            Error(v.Mark(), path + ".deadline: " + Quote(*d) + " is not a time of day (HH:MM, in the schedule's "
                                                               "time zone)");
            ok = false;
          }
        }
      }
    }
    if (!ok) return;
    if (auto compiled = sync::Schedule::Compile(spec); !compiled) {
      Error(n.Mark(), path + ": " + compiled.error().message());
      return;
    }
    plan.schedule = std::move(spec);
  }

  // A calendar must be a dataset that some plan syncs into a storage datasync can read back, with the fields
  // the day rules read.
  void CheckSchedules() {
    for (const auto& p : config_.plans) {
      const std::string& cal = p.schedule.calendar;
      if (cal.empty()) continue;
      YAML::Mark mark = calendar_marks_[p.name];
      std::string where = "plans." + p.name + ".schedule.calendar: ";
      const datasource::Dataset* ds = config_.FindDataset(cal);
      if (!ds) {
        Error(mark, where + "unknown dataset " + Quote(cal) + " (defined: " + JoinNames(Names(config_.datasets)) + ")");
        continue;
      }
      std::vector<std::string> missing;
      for (const char* f : {"exchange", "cal_date", "is_open"}) {
        if (!ds->schema || !ds->schema->IndexOf(f)) missing.push_back(f);
      }
      if (!missing.empty()) {
        Error(mark, where + "dataset " + Quote(cal) + " has no field(s) " + JoinNames(missing) +
                        "; a trading calendar needs exchange, cal_date and is_open (like tushare's trade_cal)");
        continue;
      }
      // The scheduler reads it where the trading_days argument source would.
      if (auto st = ResolveReadStorage(cal, "", config_.plans, config_.storages, sinks_); !st) {
        Error(mark, where + st.error().message());
      }
    }
  }

  // --- serve ------------------------------------------------------------------------------------

  void ParseServe(const YAML::Node& n) {
    if (!RequireMap(n, "serve")) return;
    CheckKeys(n, "serve", {"listen", "max_parallel_runs", "shutdown_timeout_secs"});
    if (auto v = n["listen"]) {
      if (auto l = Str(v, "serve.listen")) {
        config_.serve.listen = *l;
        if (*l != "off" && !SplitHostPort(*l)) {
          Error(v.Mark(), "serve.listen: " + Quote(*l) + " is not HOST:PORT (e.g. 127.0.0.1:9470), or off");
        }
      }
    }
    if (auto v = n["max_parallel_runs"]) {
      if (auto x = PositiveInt(v, "serve.max_parallel_runs", 64)) config_.serve.max_parallel_runs = *x;
    }
    if (auto v = n["shutdown_timeout_secs"]) {
      if (auto x = PositiveInt(v, "serve.shutdown_timeout_secs", 3600)) config_.serve.shutdown_timeout_secs = *x;
    }
  }

  // --- alerts -----------------------------------------------------------------------------------

  // A secret setting: a ${ENV} reference, or a literal that is warned about and masked from then on.
  std::optional<std::string> Secret(const YAML::Node& v, const std::string& path) {
    auto s = Str(v, path);
    if (s && !s->empty() && !core::IsSecretReference(*s)) {
      core::RegisterSecret(*s);
      Warn(v.Mark(), path + ": a secret is written in the file; use a ${ENV_VAR} reference instead");
    }
    return s;
  }

  void ParseTemplate(const YAML::Node& v, const std::string& path, generation::Escape escape, std::string& out) {
    auto t = Str(v, path);
    if (!t) return;
    if (auto parsed = generation::TextTemplate::Parse(*t, escape); !parsed) {
      Error(v.Mark(), path + ": " + parsed.error().message());
      return;
    }
    out = *t;
  }

  void ParseChannel(const YAML::Node& key, const YAML::Node& n) {
    std::string name = key.Scalar();
    std::string path = "alerts.channels." + name;
    if (!RequireMap(n, path)) return;
    alerting::ChannelSpec ch;
    ch.name = name;
    auto type_node = n["type"];
    std::string type = type_node ? Str(type_node, path + ".type").value_or("") : "";
    if (type == "email") {
      ch.type = alerting::ChannelType::kEmail;
      CheckKeys(n, path, {"type", "smtp_url", "username", "password", "from", "to", "require_tls", "subject", "body",
                          "verify_tls", "ca_file", "timeout_secs"});
      if (auto v = n["smtp_url"]) {
        if (auto u = Str(v, path + ".smtp_url")) {
          ch.smtp_url = *u;
          if (!u->starts_with("smtp://") && !u->starts_with("smtps://")) {
            Error(v.Mark(), path + ".smtp_url: " + Quote(*u) + " is not an smtp:// or smtps:// URL (smtp://host:587 "
                                                               "upgrades with STARTTLS; smtps://host:465 is TLS "
                                                               "from the start)");
          }
        }
      } else {
        Error(key.Mark(), path + ": missing required key 'smtp_url' (e.g. smtps://smtp.example.com:465)");
      }
      if (auto v = n["username"]) ch.username = Str(v, path + ".username").value_or("");
      if (auto v = n["password"]) ch.password = Secret(v, path + ".password").value_or("");
      if (auto v = n["from"]) {
        ch.from = Str(v, path + ".from").value_or("");
      } else {
        Error(key.Mark(), path + ": missing required key 'from' (the sender address)");
      }
      if (auto v = n["to"]) {
        if (auto l = StrList(v, path + ".to")) {
          ch.to = *l;
          if (l->empty()) Error(v.Mark(), path + ".to: name at least one recipient");
        }
      } else {
        Error(key.Mark(), path + ": missing required key 'to' (recipient addresses)");
      }
      if (auto v = n["require_tls"]) ch.require_tls = Bool(v, path + ".require_tls").value_or(false);
      if (auto v = n["subject"]) ParseTemplate(v, path + ".subject", generation::Escape::kNone, ch.subject);
      if (auto v = n["body"]) ParseTemplate(v, path + ".body", generation::Escape::kNone, ch.body);
    } else if (type == "webhook") {
      ch.type = alerting::ChannelType::kWebhook;
      CheckKeys(n, path, {"type", "url", "format", "headers", "body", "verify_tls", "ca_file", "timeout_secs"});
      if (auto v = n["url"]) {
        if (auto u = Str(v, path + ".url")) {
          ch.url = *u;
          if (!core::IsSecretReference(*u)) {
            if (!u->starts_with("http://") && !u->starts_with("https://")) {
              Error(v.Mark(), path + ".url: " + Quote(*u) + " is not an http:// or https:// URL (or a ${ENV} "
                                                            "reference to one)");
            }
            // Chat robots carry their token in the URL: keep it out of every log line.
            if (auto q = u->find('?'); q != std::string::npos) core::RegisterSecret(u->substr(q + 1));
          }
        }
      } else {
        Error(key.Mark(), path + ": missing required key 'url' (e.g. url: ${SLACK_WEBHOOK_URL})");
      }
      if (auto v = n["format"]) {
        if (auto f = Str(v, path + ".format")) {
          auto fmt = alerting::ParseWebhookFormat(*f);
          if (!fmt) {
            Error(v.Mark(), path + ".format: " + Quote(*f) + " is not allowed (allowed: json, slack, dingtalk, "
                                                             "wecom, feishu)");
          } else {
            ch.format = *fmt;
          }
        }
      }
      if (auto v = n["headers"]) {
        if (RequireMap(v, path + ".headers")) {
          for (auto it = v.begin(); it != v.end(); ++it) {
            std::string h = it->first.Scalar();
            YAML::Node hv = it->second;
            if (auto value = Str(hv, path + ".headers." + h)) {
              bool sensitive = core::ToLower(h) == "authorization" || core::ToLower(h).find("token") != std::string::npos;
              if (sensitive && !core::IsSecretReference(*value)) {
                core::RegisterSecret(*value);
                Warn(hv.Mark(), path + ".headers." + h + ": a secret is written in the file; use a ${ENV_VAR} "
                                                         "reference instead");
              }
              ch.headers.emplace_back(h, *value);
            }
          }
        }
      }
      if (auto v = n["body"]) ParseTemplate(v, path + ".body", generation::Escape::kJson, ch.body);
    } else {
      Error(type_node ? type_node.Mark() : key.Mark(),
            path + (type_node ? ".type: " + Quote(type) + " is not allowed" : ": missing required key 'type'") +
                " (allowed: email, webhook)");
      return;
    }
    if (auto v = n["verify_tls"]) ch.verify_tls = Bool(v, path + ".verify_tls").value_or(true);
    if (auto v = n["ca_file"]) {
      if (auto f = Str(v, path + ".ca_file")) {
        std::filesystem::path p(*f);
        ch.ca_file = (p.is_relative() ? config_.project_dir / p : p).string();
      }
    }
    if (auto v = n["timeout_secs"]) {
      if (auto x = PositiveInt(v, path + ".timeout_secs", 600)) ch.timeout_secs = *x;
    }
    ReportProblems(n, key.Mark(), path, alerting::CheckChannelSecrets(ch, CheckContext()));
    config_.alerts.channels.push_back(std::move(ch));
  }

  // Names of channels that exist, checked where they are referenced.
  std::vector<std::string> ChannelRefs(const YAML::Node& v, const std::string& path) {
    auto l = StrList(v, path);
    if (!l) return {};
    std::vector<std::string> defined;
    for (const auto& c : config_.alerts.channels) defined.push_back(c.name);
    for (const auto& c : *l) {
      if (std::find(defined.begin(), defined.end(), c) == defined.end()) {
        Error(v.Mark(), path + ": unknown channel " + Quote(c) + " (defined under alerts.channels: " +
                            (defined.empty() ? std::string("none") : JoinNames(defined)) + ")");
      }
    }
    if (l->empty()) Error(v.Mark(), path + ": name at least one channel");
    return *l;
  }

  void ParseAlerts(const YAML::Node& n) {
    if (!RequireMap(n, "alerts")) return;
    CheckKeys(n, "alerts", {"channels", "rules", "group_secs", "dedup_secs", "max_per_hour", "daily_summary"});
    auto& a = config_.alerts;
    if (auto v = n["group_secs"]) {
      if (auto x = PositiveInt(v, "alerts.group_secs", 3600)) a.group_secs = *x;
    }
    if (auto v = n["dedup_secs"]) {
      if (auto x = PositiveInt(v, "alerts.dedup_secs", 7 * 86400)) a.dedup_secs = *x;
    }
    if (auto v = n["max_per_hour"]) {
      if (auto x = PositiveInt(v, "alerts.max_per_hour", 3600)) a.max_per_hour = *x;
    }
    if (auto c = n["channels"]) {
      ForEachEntry(c, "alerts.channels", [&](const YAML::Node& k, const YAML::Node& v) { ParseChannel(k, v); });
    }
    if (auto r = n["rules"]) {
      if (!r.IsSequence()) {
        Error(r.Mark(), "alerts.rules: expected a list of {events, plans, channels}");
      } else {
        int i = 0;
        for (const auto& item : r) {
          std::string path = "alerts.rules[" + std::to_string(i++) + "]";
          if (!RequireMap(item, path)) continue;
          CheckKeys(item, path, {"events", "plans", "channels"});
          alerting::RuleSpec rule;
          auto events = item["events"];
          if (!events) {
            Error(item.Mark(), path + ": missing required key 'events' (allowed: all, " +
                                   JoinNames(alerting::AlertEventNames()) + ")");
          } else if (auto l = StrList(events, path + ".events")) {
            for (const auto& e : *l) {
              if (e == "all") {
                for (const auto& name : alerting::AlertEventNames()) {
                  auto ev = *alerting::ParseAlertEvent(name);
                  if (ev != alerting::AlertEvent::kDailySummary) rule.events.push_back(ev);
                }
              } else if (auto ev = alerting::ParseAlertEvent(e); ev && *ev != alerting::AlertEvent::kDailySummary) {
                rule.events.push_back(*ev);
              } else {
                std::vector<std::string> names;
                for (const auto& name : alerting::AlertEventNames()) {
                  if (name != "daily_summary") names.push_back(name);
                }
                Error(events.Mark(), path + ".events: unknown event " + Quote(e) + " (allowed: all, " +
                                         JoinNames(names) + "; the daily summary is set under alerts.daily_summary)");
              }
            }
          }
          if (auto p = item["plans"]) {
            if (auto l = StrList(p, path + ".plans")) {
              for (const auto& name : *l) {
                if (!config_.FindPlan(name)) {
                  Error(p.Mark(), path + ".plans: unknown plan " + Quote(name) + " (defined: " +
                                      JoinNames(Names(config_.plans)) + ")");
                }
              }
              rule.plans = *l;
            }
          }
          if (auto c = item["channels"]) {
            rule.channels = ChannelRefs(c, path + ".channels");
          } else {
            Error(item.Mark(), path + ": missing required key 'channels'");
          }
          a.rules.push_back(std::move(rule));
        }
      }
    }
    if (auto d = n["daily_summary"]) {
      std::string path = "alerts.daily_summary";
      if (RequireMap(d, path)) {
        CheckKeys(d, path, {"at", "timezone", "channels"});
        a.daily_summary.timezone = "UTC";
        if (auto v = d["at"]) {
          if (auto t = Str(v, path + ".at")) {
            a.daily_summary.at = *t;
            if (!sync::ParseClockTime(*t)) Error(v.Mark(), path + ".at: " + Quote(*t) + " is not a time of day HH:MM");
          }
        } else {
          Error(d.Mark(), path + ": missing required key 'at' (HH:MM)");
        }
        if (auto v = d["timezone"]) {
          if (auto t = Str(v, path + ".timezone")) {
            a.daily_summary.timezone = *t;
            if (auto tz = core::TimeZone::Load(*t); !tz) Error(v.Mark(), path + ".timezone: " + tz.error().message());
          }
        }
        if (auto c = d["channels"]) {
          a.daily_summary.channels = ChannelRefs(c, path + ".channels");
        } else {
          Error(d.Mark(), path + ": missing required key 'channels'");
        }
      }
    }
  }

  void CheckDependencies() {
    for (const auto& p : config_.plans) {
      for (const auto& d : p.depends_on) {
        if (!config_.FindPlan(d)) {
          Error(depends_marks_[p.name], "plans." + p.name + ".depends_on: unknown plan " + Quote(d) +
                                            " (defined: " + JoinNames(Names(config_.plans)) + ")");
        }
      }
    }
    // Cycles: depth-first search with colours.
    std::map<std::string, int> colour;
    std::vector<std::string> stack;
    std::function<bool(const std::string&)> visit = [&](const std::string& name) -> bool {
      colour[name] = 1;
      stack.push_back(name);
      const sync::SyncPlan* p = config_.FindPlan(name);
      for (const auto& d : p ? p->depends_on : std::vector<std::string>{}) {
        if (!config_.FindPlan(d)) continue;
        if (colour[d] == 1) {
          auto from = std::find(stack.begin(), stack.end(), d);
          std::vector<std::string> cycle(from, stack.end());
          cycle.push_back(d);
          Error(depends_marks_[name], "plans." + name + ".depends_on: dependency cycle " + core::Join(cycle, " -> "));
          return true;
        }
        if (colour[d] == 0 && visit(d)) return true;
      }
      stack.pop_back();
      colour[name] = 2;
      return false;
    };
    for (const auto& p : config_.plans) {
      if (colour[p.name] == 0 && visit(p.name)) break;
    }
  }

  template <class T>
  static std::vector<std::string> Names(const std::vector<T>& items) {
    std::vector<std::string> names;
    for (const auto& i : items) names.push_back(i.name);
    if (names.empty()) names.push_back("none");
    return names;
  }

  std::string file_;
  std::string text_;  // the file, for locating problems inside a value (ProblemMark)
  const datasource::ProviderRegistry& providers_;
  const storage::SinkRegistry& sinks_;
  Config config_;
  std::vector<ConfigIssue> issues_;
  std::map<std::string, YAML::Mark> locations_;
  std::map<std::string, YAML::Mark> depends_marks_;
  const std::vector<datasource::Dataset>& imported_;
  LoadOptions options_;
  std::map<std::string, std::map<std::string, YAML::Mark>> template_marks_;
  struct Read {
    std::string plan;
    std::string dataset;
    std::string storage;
    YAML::Mark mark;
    std::string where;
  };
  std::vector<Read> reads_;
  std::map<std::string, YAML::Mark> calendar_marks_;
};

template <class T>
const T* FindByName(const std::vector<T>& items, std::string_view name) {
  for (const auto& i : items) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

}  // namespace

std::string FormatIssue(const ConfigIssue& issue) {
  std::string s = issue.where.file;
  if (issue.where.line > 0) s += ":" + std::to_string(issue.where.line) + ":" + std::to_string(issue.where.column);
  s += ": ";
  if (issue.warning) s += "warning: ";
  return s + issue.message;
}

bool IsValidObjectName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  auto c0 = static_cast<unsigned char>(name[0]);
  if (!(std::isalpha(c0) || c0 == '_')) return false;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

const datasource::DataSource* Config::FindSource(std::string_view n) const { return FindByName(sources, n); }
const datasource::Dataset* Config::FindDataset(std::string_view n) const { return FindByName(datasets, n); }
const storage::Storage* Config::FindStorage(std::string_view n) const { return FindByName(storages, n); }
const sync::SyncPlan* Config::FindPlan(std::string_view n) const { return FindByName(plans, n); }
const generation::Template* Config::FindTemplate(std::string_view n) const { return FindByName(templates, n); }

ConfigResult ConfigLoader::LoadFile(const std::filesystem::path& path) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigResult r;
    ConfigIssue issue;
    issue.where.file = path.string();
    issue.message = "cannot read the file (does it exist? run `datasync init DIR` to create a project)";
    r.issues.push_back(std::move(issue));
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadString(ss.str(), path.filename().string(), path.parent_path());
}

ConfigResult ConfigLoader::LoadString(const std::string& text, const std::string& file_label,
                                      const std::filesystem::path& project_dir) const {
  Parser parser(file_label, project_dir, providers_, sinks_, imported_, options_);
  return parser.Run(text);
}

}  // namespace datasync::app
