#include <set>

#include "app/config_parser.hpp"
#include "app/config_sections.hpp"

namespace datasync::app {

std::optional<core::Field> ConfigParser::ParseField(const YAML::Node& n, const std::string& path) {
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
    Error(type.Mark(),
          path + ".type: unknown type " + Quote(*t) + " (allowed: " + std::string(core::LogicalTypeNames()) + ")");
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

void ConfigParser::ParseDataset(const YAML::Node& key, const YAML::Node& n) {
  std::string name = key.Scalar();
  std::string path = "datasets." + name;
  if (!RequireMap(n, path)) return;
  const std::vector<std::string> common = SectionKeyNames(metadata::ObjectKind::kDataset);
  // The source's provider may add keys of its own (ProviderInfo::dataset_options); until the source is known
  // only the common ones are checked.
  const datasource::DataSource* known_src = nullptr;
  if (auto s = n["source"]; s && s.IsScalar()) known_src = config_.FindSource(s.Scalar());
  const datasource::ProviderInfo* known_info = known_src ? providers_.Find(known_src->provider) : nullptr;
  datasource::Dataset ds;
  bool options_ok = true;
  if (known_info) {
    ds.options = ParseOptions(n, path, known_info->dataset_options, common, options_ok, key.Mark());
  } else {
    CheckKeys(n, path, common);
  }
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
    Error(src_node.Mark(), path + ".source: unknown source " + Quote(*src_name) +
                               " (defined: " + JoinNames(Names(config_.sources)) + ")");
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
        core::Options keep_options = std::move(ds.options);
        ds = std::move(builtin);
        ds.name = keep_name;
        ds.options = std::move(keep_options);
        // The built-in calendar mapping stays the catalog's (CalendarMappingOf finds it): the stored spec holds
        // only what the file declares, so catalogs stored before mappings existed see no new version.
        ds.calendar.reset();
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
      if (*p == "offset")
        ds.paging = "offset";
      else if (*p == "none")
        ds.paging.clear();
      else
        Error(v.Mark(), path + ".paging: " + Quote(*p) + " is not allowed (allowed: offset, none)");
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
  } else if (!from_catalog && info && info->infers_fields && options_.sampling == name) {
    // `dataset sample` reads one answer to infer them: an empty schema until then.
    ds.schema = std::make_shared<core::Schema>();
  } else if (!from_catalog && (!info || !info->builtin_datasets)) {
    // A provider without a catalog (rest) knows no dataset by itself: say so rather than name a catalog.
    Error(key.Mark(), path + ": a " + src->provider + " dataset lists its fields under 'fields' (name and type of " +
                          "each; see docs/providers/" + src->provider + ".md)" +
                          (info && info->infers_fields
                               ? "; `datasync dataset sample " + name +
                                     " --param NAME=VALUE...` infers them from one call and writes them here"
                               : std::string()));
    return;
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
  const bool sampling = ds.schema->size() == 0;  // fields still to infer: nothing to check names against
  for (const auto& k : ds.primary_key) {
    if (!sampling && !ds.schema->IndexOf(k)) {
      Error(n["primary_key"] ? n["primary_key"].Mark() : key.Mark(),
            path + ".primary_key: " + Quote(k) + " is not a field (fields: " + JoinNames(ds.schema->Names()) + ")");
    }
  }
  if (!sampling && !ds.date_key.empty() && !ds.schema->IndexOf(ds.date_key)) {
    Error(
        n["date_key"] ? n["date_key"].Mark() : key.Mark(),
        path + ".date_key: " + Quote(ds.date_key) + " is not a field (fields: " + JoinNames(ds.schema->Names()) + ")");
  }
  if (auto v = n["default_fields"]) {
    if (auto l = StrList(v, path + ".default_fields")) {
      for (const auto& f : *l) {
        if (!sampling && !ds.schema->IndexOf(f)) {
          Error(v.Mark(), path + ".default_fields: " + Quote(f) +
                              " is not a field (fields: " + JoinNames(ds.schema->Names()) + ")");
        }
      }
      ds.default_fields = *l;
    }
  }
  if (auto v = n["calendar"]) ParseCalendarMapping(v, path + ".calendar", ds);
  if (auto v = n["quality"]) ParseQuality(v, path + ".quality", ds);
  if (info && info->validate_dataset && options_ok)
    ReportProblems(n, key.Mark(), path, info->validate_dataset(ds, *src));
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

void ConfigParser::ParseCalendarMapping(const YAML::Node& v, const std::string& path, datasource::Dataset& ds) {
  if (!RequireMap(v, path)) return;
  CheckKeys(v, path, {"date", "open", "open_value", "exchange"});
  datasource::CalendarMapping m;
  bool ok = true;
  auto column = [&](const char* k, const char* what, std::string& out) {
    auto c = v[k];
    if (!c) {
      Error(v.Mark(), path + ": missing required key " + Quote(k) + " (" + what + ")");
      ok = false;
      return;
    }
    auto s = Str(c, path + "." + k);
    if (!s) {
      ok = false;
      return;
    }
    if (!ds.schema->IndexOf(*s)) {
      Error(c.Mark(),
            path + "." + k + ": " + Quote(*s) + " is not a field (fields: " + JoinNames(ds.schema->Names()) + ")");
      ok = false;
    }
    out = *s;
  };
  column("date", "the column of the day", m.date);
  column("open", "the column that says whether the exchange trades that day", m.open);
  column("exchange", "the column of the exchange", m.exchange);
  if (auto o = v["open_value"]) {
    auto s = Str(o, path + ".open_value");
    if (!s) return;
    m.open_value = *s;
  }
  if (ok) ds.calendar = std::move(m);
}

std::optional<datasource::CalendarMapping> ConfigParser::CalendarOf(const datasource::Dataset& ds) const {
  const datasource::DataSource* src = config_.FindSource(ds.source);
  return datasource::CalendarMappingOf(ds, src ? providers_.Find(src->provider) : nullptr);
}

std::string ConfigParser::NotACalendar(const std::string& dataset) {
  return "dataset " + Quote(dataset) + " is not a trading calendar; declare its columns with datasets." + dataset +
         ".calendar: {date, open, exchange} (open_value: the open column's value on a trading day, default 1)";
}

void ConfigParser::ParseParams(const YAML::Node& v, const std::string& path, datasource::Dataset& ds) {
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

}  // namespace datasync::app
