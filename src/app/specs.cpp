#include "app/specs.hpp"

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/json_text.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::app {

using nlohmann::ordered_json;
using json = nlohmann::ordered_json;

namespace {

core::Error Corrupt(std::string_view what, const std::exception& e) {
  return core::Error(core::ErrorKind::kInternal, "stored " + std::string(what) + " spec cannot be read (" + e.what() +
                                                     "); run `datasync apply` to store it again");
}

json LimitsJson(const datasource::QuotaLimits& l) {
  json j = json::object();
  if (l.per_minute) j["per_minute"] = *l.per_minute;
  if (l.per_hour) j["per_hour"] = *l.per_hour;
  if (l.per_day) j["per_day"] = *l.per_day;
  // Written only when set, so that the spec of a source without them stays byte for byte what it was.
  if (!l.windows.empty()) {
    json windows = json::array();
    for (const auto& w : l.windows) {
      json one = {{"every_secs", w.every_secs}, {"limit", w.limit}};
      if (w.kind != datasource::QuotaWindowKind::kSliding) one["kind"] = datasource::QuotaWindowKindName(w.kind);
      windows.push_back(std::move(one));
    }
    j["windows"] = std::move(windows);
  }
  if (l.concurrency) j["concurrency"] = *l.concurrency;
  if (l.margin_ms) j["margin_ms"] = *l.margin_ms;
  if (l.scope) j["scope"] = datasource::QuotaScopeName(*l.scope);
  return j;
}

datasource::QuotaLimits LimitsFrom(const json& j) {
  datasource::QuotaLimits l;
  if (j.contains("per_minute")) l.per_minute = j["per_minute"].get<int64_t>();
  if (j.contains("per_hour")) l.per_hour = j["per_hour"].get<int64_t>();
  if (j.contains("per_day")) l.per_day = j["per_day"].get<int64_t>();
  if (j.contains("windows")) {
    for (const auto& w : j["windows"]) {
      datasource::QuotaWindowLimit window{w.at("every_secs").get<int64_t>(), w.at("limit").get<int64_t>()};
      if (w.contains("kind")) {
        auto kind = datasource::ParseQuotaWindowKind(w["kind"].get<std::string>());
        if (!kind) throw std::invalid_argument("unknown quota window kind " + core::JsonText(w["kind"]));
        window.kind = *kind;
      }
      l.windows.push_back(window);
    }
  }
  if (j.contains("concurrency")) l.concurrency = j["concurrency"].get<int64_t>();
  if (j.contains("margin_ms")) l.margin_ms = j["margin_ms"].get<int64_t>();
  if (j.contains("scope")) {
    l.scope = datasource::ParseQuotaScope(j["scope"].get<std::string>());
    if (!l.scope) throw std::invalid_argument("unknown quota scope " + core::JsonText(j["scope"]));
  }
  return l;
}

json OptionsJson(const core::Options& o) {
  json j = json::object();
  for (const auto& [k, v] : o.values()) {
    // An init-capture: clang before 16 cannot capture a structured binding (the fuzz build uses clang 14).
    std::visit([&j, &key = k](const auto& x) { j[key] = x; }, v);
  }
  return j;
}

core::Options OptionsFrom(const json& j) {
  core::Options o;
  for (const auto& [k, v] : j.items()) {
    if (v.is_boolean())
      o.Set(k, v.get<bool>());
    else if (v.is_number_integer())
      o.Set(k, v.get<int64_t>());
    else if (v.is_number())
      o.Set(k, v.get<double>());
    else if (v.is_array() && !v.empty() && v.front().is_object())
      o.Set(k, v.get<core::OptionRecords>());
    else if (v.is_array())
      o.Set(k, v.get<std::vector<std::string>>());
    else
      o.Set(k, v.get<std::string>());
  }
  return o;
}

json SourceJson(const datasource::DataSource& s) {
  json api = json::object();
  for (const auto& [name, l] : s.api_limits) api[name] = LimitsJson(l);
  return json{{"name", s.name},
              {"provider", s.provider},
              {"endpoint", s.endpoint},
              {"timezone", s.timezone},
              {"limits", LimitsJson(s.limits)},
              {"api_limits", api},
              {"options", OptionsJson(s.options)}};
}

using Kind = generation::ParamSource::Kind;

json WhereJson(const std::vector<std::pair<std::string, std::string>>& where) {
  json w = json::array();
  for (const auto& [k, v] : where) w.push_back(json::array({k, v}));
  return w;
}

// Each kind stores only the fields it uses; constants, lists and date ranges keep the keys they had
// before the other kinds existed, so stored plans do not change version on upgrade.
json SourceJson(const generation::ParamSource& ps) {
  json j = {{"name", ps.name}, {"kind", std::string(generation::KindName(ps.kind))}};
  auto dates = [&] {
    j["start"] = ps.start;
    j["end"] = ps.end;
    j["step"] = ps.step;
    j["format"] = ps.format;
  };
  auto local = [&] {
    j["dataset"] = ps.dataset;
    j["column"] = ps.column;
    j["storage"] = ps.storage;
    j["where"] = WhereJson(ps.where);
  };
  switch (ps.kind) {
    case Kind::kConstant:
    case Kind::kList: j["values"] = ps.values; break;
    case Kind::kDateRange:
      dates();
      j["weekdays_only"] = ps.weekdays_only;
      break;
    case Kind::kTradingDays:
      dates();
      local();
      j["pick"] = ps.pick;
      break;
    case Kind::kColumn:
      local();
      j["format"] = ps.format;
      break;
    case Kind::kWindows:
      dates();
      j.erase("step");
      j["days"] = ps.window_days;
      j["months"] = ps.window_months;
      j["align"] = ps.align;
      j["columns"] = ps.columns;
      break;
    case Kind::kSinceCheckpoint:
      dates();
      j.erase("start");
      j["initial"] = ps.initial;
      j["lookback"] = ps.lookback;
      local();
      break;
    case Kind::kNow:
      j["offset"] = ps.offset;
      j["unit"] = ps.unit;
      j["format"] = ps.format;
      break;
    case Kind::kFormat: j["text"] = ps.text; break;
    case Kind::kProduct:
    case Kind::kZip: {
      json children = json::array();
      for (const auto& c : ps.children) children.push_back(SourceJson(c));
      j["children"] = children;
      break;
    }
  }
  return j;
}

json SourcesJson(const std::vector<generation::ParamSource>& sources) {
  json a = json::array();
  for (const auto& s : sources) a.push_back(SourceJson(s));
  return a;
}

generation::ParamSource SourceFrom(const json& j) {
  generation::ParamSource ps;
  ps.name = j.at("name").get<std::string>();
  std::string kind = j.at("kind").get<std::string>();
  static const Kind kAll[] = {
      Kind::kConstant,        Kind::kList, Kind::kDateRange, Kind::kTradingDays, Kind::kColumn, Kind::kWindows,
      Kind::kSinceCheckpoint, Kind::kNow,  Kind::kFormat,    Kind::kProduct,     Kind::kZip};
  bool known = false;
  for (Kind k : kAll) {
    if (generation::KindName(k) == kind) {
      ps.kind = k;
      known = true;
    }
  }
  if (!known) throw std::runtime_error("unknown parameter kind " + kind);
  auto str = [&](const char* key, std::string& out) {
    if (j.contains(key)) out = j.at(key).get<std::string>();
  };
  auto num = [&](const char* key, int64_t& out) {
    if (j.contains(key)) out = j.at(key).get<int64_t>();
  };
  if (j.contains("values")) ps.values = j.at("values").get<std::vector<std::string>>();
  str("start", ps.start);
  str("end", ps.end);
  str("step", ps.step);
  str("format", ps.format);
  if (j.contains("weekdays_only")) ps.weekdays_only = j.at("weekdays_only").get<bool>();
  str("dataset", ps.dataset);
  str("column", ps.column);
  str("storage", ps.storage);
  if (j.contains("where")) {
    for (const auto& pair : j.at("where"))
      ps.where.emplace_back(pair.at(0).get<std::string>(), pair.at(1).get<std::string>());
  }
  str("pick", ps.pick);
  num("days", ps.window_days);
  num("months", ps.window_months);
  str("align", ps.align);
  if (j.contains("columns")) ps.columns = j.at("columns").get<std::vector<std::string>>();
  num("lookback", ps.lookback);
  str("initial", ps.initial);
  num("offset", ps.offset);
  str("unit", ps.unit);
  str("text", ps.text);
  if (j.contains("children")) {
    for (const auto& c : j.at("children")) ps.children.push_back(SourceFrom(c));
  }
  return ps;
}

std::vector<generation::ParamSource> SourcesFrom(const json& a) {
  std::vector<generation::ParamSource> out;
  for (const auto& j : a) out.push_back(SourceFrom(j));
  return out;
}

// A plan without a schedule keeps the empty string it always had, so existing catalogs see no change.
json ScheduleJson(const sync::ScheduleSpec& s) {
  if (!s.enabled()) return "";
  return json{{"cron", s.cron},
              {"timezone", s.timezone},
              {"calendar", s.calendar},
              {"exchange", s.exchange},
              {"when", std::string(sync::DayRuleName(s.when))},
              {"n", s.n},
              {"misfire", std::string(sync::MisfireName(s.misfire))},
              {"deadline", s.deadline}};
}

sync::ScheduleSpec ScheduleFrom(const json& j) {
  sync::ScheduleSpec s;
  if (j.is_string()) {  // no schedule, or a cron string stored before schedules had a time zone
    s.cron = j.get<std::string>();
    if (!s.cron.empty()) s.timezone = "UTC";
    return s;
  }
  s.cron = j.at("cron").get<std::string>();
  s.timezone = j.at("timezone").get<std::string>();
  s.calendar = j.at("calendar").get<std::string>();
  s.exchange = j.at("exchange").get<std::string>();
  auto when = sync::ParseDayRule(j.at("when").get<std::string>());
  if (!when) throw std::runtime_error("unknown schedule rule " + j.at("when").get<std::string>());
  s.when = *when;
  s.n = j.at("n").get<int64_t>();
  auto misfire = sync::ParseMisfire(j.at("misfire").get<std::string>());
  if (!misfire) throw std::runtime_error("unknown misfire policy " + j.at("misfire").get<std::string>());
  s.misfire = *misfire;
  s.deadline = j.at("deadline").get<std::string>();
  return s;
}

}  // namespace

std::string SourceToJson(const datasource::DataSource& s) {
  return core::JsonText(SourceJson(s));
}

std::string SourceToDisplayJson(const datasource::DataSource& s, std::span<const core::OptionSpec> specs) {
  datasource::DataSource shown = s;
  shown.options = core::MaskSecrets(s.options, specs);
  shown.endpoint = core::Redact(core::MaskPasswords(s.endpoint));  // an endpoint may carry credentials too
  json j = SourceJson(shown);
  for (const auto& spec : specs) {
    if (spec.type == core::OptionType::kSecret && shown.options.Has(spec.name)) {
      j[std::string(spec.name)] = shown.options.GetString(spec.name);
    }
  }
  return core::JsonText(j);
}

std::string DatasetToJson(const datasource::Dataset& d) {
  json params = json::array();
  for (const auto& p : d.params) {
    params.push_back({{"name", p.name}, {"type", p.type}, {"required", p.required}, {"description", p.description}});
  }
  json fields = json::array();
  if (d.schema) {
    for (const auto& f : d.schema->fields()) {
      fields.push_back(
          {{"name", f.name}, {"type", f.type.ToString()}, {"nullable", f.nullable}, {"description", f.description}});
    }
  }
  json j{{"name", d.name},
         {"source", d.source},
         {"api", d.api},
         {"title", d.title},
         {"description", d.description},
         {"doc_url", d.doc_url},
         {"params", params},
         {"fields", fields},
         {"primary_key", d.primary_key},
         {"date_key", d.date_key},
         {"row_cap", d.row_cap}};
  // Written only when set, so the specs of datasets stored before these keys existed stay byte-identical
  // (a changed spec is a new version).
  if (!d.paging.empty()) j["paging"] = d.paging;
  if (d.points != 0) j["points"] = d.points;
  if (!d.default_fields.empty()) j["default_fields"] = d.default_fields;
  if (d.calendar) {
    j["calendar"] = {{"date", d.calendar->date},
                     {"open", d.calendar->open},
                     {"open_value", d.calendar->open_value},
                     {"exchange", d.calendar->exchange}};
  }
  if (!d.options.values().empty()) j["options"] = OptionsJson(d.options);
  if (!d.quality.empty()) {
    json rules = json::array();
    for (const auto& q : d.quality) {
      json r = {{"rule", std::string(datasource::RuleKindName(q.kind))},
                {"severity", std::string(datasource::RuleSeverityName(q.severity))},
                {"fields", q.fields}};
      if (q.min) r["min"] = *q.min;
      if (q.max) r["max"] = *q.max;
      if (!q.values.empty()) r["values"] = q.values;
      if (!q.ref_dataset.empty()) r["ref"] = {{"dataset", q.ref_dataset}, {"field", q.ref_field}};
      if (!q.deadline.empty()) r["deadline"] = q.deadline;
      if (q.kind == datasource::RuleKind::kRowCount) {
        r["window"] = q.window;
        r["k"] = q.k;
      }
      rules.push_back(std::move(r));
    }
    j["quality"] = std::move(rules);
  }
  if (d.origin != datasource::DatasetOrigin::kConfig)
    j["origin"] = std::string(datasource::DatasetOriginName(d.origin));
  return core::JsonText(j);
}

std::string StorageToJson(const storage::Storage& s) {
  return core::JsonText(json{{"name", s.name}, {"kind", s.kind}, {"options", OptionsJson(s.options)}});
}

std::string StorageToDisplayJson(const storage::Storage& s) {
  json opts = OptionsJson(s.options);
  for (auto& [k, v] : opts.items()) {
    if (v.is_string()) {
      std::string text = v.get<std::string>();
      // Connection URLs and passwords may carry secrets; show references, mask literals.
      if (core::IsPasswordKey(k) || core::ToLower(k).find("token") != std::string::npos) {
        v = core::DisplaySecret(text);
      } else {
        v = core::Redact(core::MaskPasswords(text));
      }
    }
  }
  return core::JsonText(json{{"name", s.name}, {"kind", s.kind}, {"options", opts}});
}

std::string PlanToJson(const sync::SyncPlan& p) {
  json j{{"name", p.name},
         {"dataset", p.dataset},
         {"storages", p.storages},
         {"mode", std::string(storage::WriteModeName(p.mode))},
         {"params", SourcesJson(p.args.params)},
         {"schedule", ScheduleJson(p.schedule)},
         {"depends_on", p.depends_on},
         {"retry",
          {{"max_attempts", p.retry.max_attempts},
           {"initial_backoff_ms", p.retry.initial_backoff_ms},
           {"max_backoff_ms", p.retry.max_backoff_ms}}},
         {"concurrency", p.concurrency},
         {"max_wait_secs", p.max_wait_secs},
         {"enabled", p.enabled}};
  if (!p.args.template_name.empty()) j["template"] = p.args.template_name;
  if (p.max_concurrency > 0) j["max_concurrency"] = p.max_concurrency;  // only when set: older specs stay as they were
  if (p.verify.enabled()) {
    j["verify"] = {{"cron", p.verify.cron}, {"timezone", p.verify.timezone}, {"sample", p.verify.sample}};
  }
  return core::JsonText(j);
}

std::string TemplateToJson(const generation::Template& t) {
  return core::JsonText(json{{"name", t.name}, {"description", t.description}, {"params", SourcesJson(t.params)}});
}

core::Result<generation::Template> TemplateFromJson(std::string_view text) {
  try {
    json j = json::parse(text);
    generation::Template t;
    t.name = j.at("name").get<std::string>();
    t.description = j.at("description").get<std::string>();
    t.params = SourcesFrom(j.at("params"));
    return t;
  } catch (const std::exception& e) {
    return core::Fail(Corrupt("template", e));
  }
}

bool IsImportedDatasetSpec(std::string_view spec_json) {
  json j = json::parse(spec_json, nullptr, false);
  return !j.is_discarded() && j.is_object() && j.value("origin", std::string()) == "import";
}

core::Result<datasource::DataSource> SourceFromJson(std::string_view text) {
  try {
    json j = json::parse(text);
    datasource::DataSource s;
    s.name = j.at("name").get<std::string>();
    s.provider = j.at("provider").get<std::string>();
    s.endpoint = j.at("endpoint").get<std::string>();
    s.timezone = j.at("timezone").get<std::string>();
    s.limits = LimitsFrom(j.at("limits"));
    for (const auto& [api, l] : j.at("api_limits").items()) s.api_limits[api] = LimitsFrom(l);
    s.options = OptionsFrom(j.at("options"));
    // Specs stored before credentials became provider options kept the token beside them.
    if (auto t = j.find("token"); t != j.end() && t->is_string() && !s.options.Has("token")) {
      s.options.Set("token", t->get<std::string>());
    }
    return s;
  } catch (const std::exception& e) {
    return core::Fail(Corrupt("source", e));
  }
}

core::Result<datasource::Dataset> DatasetFromJson(std::string_view text) {
  try {
    json j = json::parse(text);
    datasource::Dataset d;
    d.name = j.at("name").get<std::string>();
    d.source = j.at("source").get<std::string>();
    d.api = j.at("api").get<std::string>();
    d.title = j.at("title").get<std::string>();
    d.description = j.at("description").get<std::string>();
    d.doc_url = j.at("doc_url").get<std::string>();
    for (const auto& p : j.at("params")) {
      d.params.push_back({p.at("name").get<std::string>(), p.at("type").get<std::string>(),
                          p.at("required").get<bool>(), p.at("description").get<std::string>()});
    }
    std::vector<core::Field> fields;
    for (const auto& f : j.at("fields")) {
      auto type = core::LogicalType::Parse(f.at("type").get<std::string>());
      if (!type) throw std::runtime_error("unknown type " + f.at("type").get<std::string>());
      fields.push_back({f.at("name").get<std::string>(), *type, f.at("nullable").get<bool>(),
                        f.at("description").get<std::string>()});
    }
    d.schema = std::make_shared<core::Schema>(std::move(fields));
    d.primary_key = j.at("primary_key").get<std::vector<std::string>>();
    d.date_key = j.at("date_key").get<std::string>();
    d.row_cap = j.at("row_cap").get<int64_t>();
    d.paging = j.value("paging", std::string());
    d.points = j.value("points", int64_t{0});
    d.default_fields = j.value("default_fields", std::vector<std::string>{});
    if (auto c = j.find("calendar"); c != j.end()) {
      d.calendar = datasource::CalendarMapping{.date = c->at("date").get<std::string>(),
                                               .open = c->at("open").get<std::string>(),
                                               .open_value = c->value("open_value", std::string("1")),
                                               .exchange = c->at("exchange").get<std::string>()};
    }
    if (auto o = j.find("options"); o != j.end()) d.options = OptionsFrom(*o);
    if (auto q = j.find("quality"); q != j.end()) {
      for (const auto& r : *q) {
        datasource::QualityRule rule;
        auto kind = datasource::ParseRuleKind(r.at("rule").get<std::string>());
        if (!kind) throw std::runtime_error("unknown quality rule " + r.at("rule").dump());
        rule.kind = *kind;
        rule.severity = r.value("severity", std::string("warn")) == "error" ? datasource::RuleSeverity::kError
                                                                            : datasource::RuleSeverity::kWarn;
        rule.fields = r.value("fields", std::vector<std::string>{});
        if (auto m = r.find("min"); m != r.end()) rule.min = m->get<double>();
        if (auto m = r.find("max"); m != r.end()) rule.max = m->get<double>();
        rule.values = r.value("values", std::vector<std::string>{});
        if (auto ref = r.find("ref"); ref != r.end()) {
          rule.ref_dataset = ref->at("dataset").get<std::string>();
          rule.ref_field = ref->at("field").get<std::string>();
        }
        rule.deadline = r.value("deadline", std::string());
        rule.window = r.value("window", int64_t{20});
        rule.k = r.value("k", 3.0);
        d.quality.push_back(std::move(rule));
      }
    }
    std::string origin = j.value("origin", std::string("config"));
    d.origin = origin == "import" ? datasource::DatasetOrigin::kImport
               : origin == "api"  ? datasource::DatasetOrigin::kApi
                                  : datasource::DatasetOrigin::kConfig;
    return d;
  } catch (const std::exception& e) {
    return core::Fail(Corrupt("dataset", e));
  }
}

core::Result<storage::Storage> StorageFromJson(std::string_view text) {
  try {
    json j = json::parse(text);
    storage::Storage s;
    s.name = j.at("name").get<std::string>();
    s.kind = j.at("kind").get<std::string>();
    s.options = OptionsFrom(j.at("options"));
    return s;
  } catch (const std::exception& e) {
    return core::Fail(Corrupt("storage", e));
  }
}

core::Result<sync::SyncPlan> PlanFromJson(std::string_view text) {
  try {
    json j = json::parse(text);
    sync::SyncPlan p;
    p.name = j.at("name").get<std::string>();
    p.dataset = j.at("dataset").get<std::string>();
    p.storages = j.at("storages").get<std::vector<std::string>>();
    auto mode = storage::ParseWriteMode(j.at("mode").get<std::string>());
    if (!mode) throw std::runtime_error("unknown mode");
    p.mode = *mode;
    p.args.params = SourcesFrom(j.at("params"));
    p.args.template_name = j.value("template", std::string());
    p.schedule = ScheduleFrom(j.at("schedule"));
    p.depends_on = j.at("depends_on").get<std::vector<std::string>>();
    const json& r = j.at("retry");
    p.retry.max_attempts = r.at("max_attempts").get<int64_t>();
    p.retry.initial_backoff_ms = r.at("initial_backoff_ms").get<int64_t>();
    p.retry.max_backoff_ms = r.at("max_backoff_ms").get<int64_t>();
    p.concurrency = j.at("concurrency").get<int64_t>();
    p.max_concurrency = j.value("max_concurrency", int64_t{0});
    p.max_wait_secs = j.at("max_wait_secs").get<int64_t>();
    p.enabled = j.at("enabled").get<bool>();
    if (j.contains("verify")) {
      const json& v = j.at("verify");
      p.verify.cron = v.at("cron").get<std::string>();
      p.verify.timezone = v.at("timezone").get<std::string>();
      p.verify.sample = v.at("sample").get<int64_t>();
    }
    return p;
  } catch (const std::exception& e) {
    return core::Fail(Corrupt("plan", e));
  }
}

}  // namespace datasync::app
