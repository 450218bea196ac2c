#include "app/dataset_service.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "app/schema_checks.hpp"
#include "app/specs.hpp"
#include "core/log.hpp"
#include "core/strings.hpp"
#include "datasource/dataset_importer.hpp"
#include "net/http_client.hpp"

namespace datasync::app {

using core::ErrorKind;
using core::Fail;
using datasource::Dataset;
using datasource::DatasetOrigin;
using metadata::ObjectKind;

namespace {

// The doc importer of the source's provider (ProviderInfo::importer); null when it has none.
const datasource::DatasetImporter* ImporterOf(App& app, const datasource::DataSource& source) {
  const datasource::ProviderInfo* info = app.providers().Find(source.provider);
  return info ? info->importer.get() : nullptr;
}

// The ids of the providers that have a doc importer, for messages.
std::string ImporterProviders(App& app) {
  std::vector<std::string> ids;
  for (const auto& id : app.providers().Ids()) {
    if (const auto* info = app.providers().Find(id); info && info->importer) ids.push_back(id);
  }
  return ids.empty() ? std::string("none") : core::Join(ids, ", ");
}

// The ids of the providers that read API metadata (ProviderInfo::import_api), for messages.
std::string ApiImporterProviders(App& app) {
  std::vector<std::string> ids;
  for (const auto& id : app.providers().Ids()) {
    if (const auto* info = app.providers().Find(id); info && info->import_api) ids.push_back(id);
  }
  return ids.empty() ? std::string("none") : core::Join(ids, ", ");
}

core::Status NoImporter(App& app, const datasource::DataSource& source) {
  return Fail(ErrorKind::kConfig, "source '" + source.name + "' uses provider " + source.provider +
                                      ", which has no doc-page importer (importers: " + ImporterProviders(app) + ")");
}

// The source a doc page is imported for, and its provider's importer.
struct ImportSource {
  datasource::DataSource source;
  const datasource::DatasetImporter* importer = nullptr;
};

core::Result<ImportSource> PickSource(App& app, const std::string& requested) {
  auto sources = app.Sources();
  if (!sources) return Fail(sources.error());
  std::vector<std::string> names;
  for (const auto& s : *sources) names.push_back(s.name);
  if (!requested.empty()) {
    for (const auto& s : *sources) {
      if (s.name != requested) continue;
      const datasource::DatasetImporter* importer = ImporterOf(app, s);
      if (!importer) return Fail(NoImporter(app, s).error());
      return ImportSource{s, importer};
    }
    return Fail(ErrorKind::kNotFound, "unknown source '" + requested + "' (applied: " +
                                          (names.empty() ? std::string("none") : core::Join(names, ", ")) +
                                          "; define sources in datasync.yaml and run `datasync apply`)");
  }
  std::vector<const datasource::DataSource*> candidates;
  for (const auto& s : *sources) {
    if (ImporterOf(app, s)) candidates.push_back(&s);
  }
  if (candidates.size() == 1) return ImportSource{*candidates.front(), ImporterOf(app, *candidates.front())};
  if (candidates.empty()) {
    return Fail(ErrorKind::kConfig, "no applied source uses a provider whose doc pages datasync reads (" +
                                        ImporterProviders(app) +
                                        "); define one in datasync.yaml and run `datasync apply`");
  }
  return Fail(ErrorKind::kConfig, "several sources could own the dataset (" + core::Join(names, ", ") +
                                      "); choose one with --source");
}

struct Stored {
  bool exists = false;
  int64_t version = 0;
  Dataset dataset;
};

core::Result<Stored> LoadStored(App& app, const std::string& name) {
  Stored s;
  auto obj = app.db().catalog().Get(ObjectKind::kDataset, name);
  if (!obj) return Fail(obj.error());
  if (!*obj) return s;
  auto d = DatasetFromJson((*obj)->spec_json);
  if (!d) return Fail(d.error());
  s.exists = true;
  s.version = (*obj)->version;
  s.dataset = std::move(*d);
  s.dataset.schema_version = static_cast<int>(s.version);
  return s;
}

// A fresh definition from the page, keeping what the operator chose or the catalog already uses: the
// name and source, and the keys while their fields still exist.
Dataset Merge(Dataset fresh, const Dataset* current) {
  if (!current) return fresh;
  fresh.name = current->name;
  fresh.source = current->source;
  fresh.origin = current->origin;
  auto has = [&](const std::string& f) { return fresh.schema && fresh.schema->IndexOf(f).has_value(); };
  if (!current->primary_key.empty() && std::all_of(current->primary_key.begin(), current->primary_key.end(), has)) {
    fresh.primary_key = current->primary_key;
  }
  if (!current->date_key.empty() && has(current->date_key)) fresh.date_key = current->date_key;
  return fresh;
}

void RecordCheck(App& app, const std::vector<std::string>& names) {
  // Plans run in parallel and each may refresh its dataset after drift: one writer of the file at a time.
  static std::mutex mu;
  std::lock_guard lock(mu);
  SchemaCheckLog log = SchemaCheckLog::Load(app.project().state_dir);
  int64_t now = core::ToEpochMicros(app.clock().Now());
  for (const auto& n : names) log.Record(n, now);
  if (auto st = log.Save(); !st) core::LogWarn("schema checks: " + st.error().message());
}

std::string ChangeName(metadata::PutOutcome o) {
  switch (o) {
    case metadata::PutOutcome::kCreated: return "created";
    case metadata::PutOutcome::kUpdated: return "updated";
    case metadata::PutOutcome::kUnchanged: return "unchanged";
  }
  return "?";
}

// The page's dataset named `name` and bound to `source`.
Dataset Bind(const datasource::ImportedDataset& page, const std::string& source, const std::string& name) {
  Dataset d = page.dataset;
  d.name = name;
  d.source = source;
  return d;
}

core::Result<ImportResult> ImportPage(App& app, const datasource::ImportedDataset& page, const ImportOptions& o,
                                      const datasource::DataSource& source, bool skip_conflicts) {
  ImportResult r;
  r.notes = page.notes;
  // A doc page's dataset is named after its API; an API import names it itself (an API path is no name).
  std::string name = o.name.empty() ? o.prefix + (page.dataset.name.empty() ? page.dataset.api : page.dataset.name)
                                    : o.name;
  if (!IsValidObjectName(name)) {
    return Fail(ErrorKind::kConfig, "dataset name '" + name +
                                        "' is not allowed (use letters, digits, _ . -; start with a letter or _)");
  }
  auto stored = LoadStored(app, name);
  if (!stored) return Fail(stored.error());
  if (stored->exists && stored->dataset.origin != DatasetOrigin::kImport) {
    std::string why = "dataset '" + name + "' is defined in datasync.yaml";
    if (!skip_conflicts) {
      return Fail(ErrorKind::kConfig, why + "; import it under another name (--name, or --prefix for a catalog)");
    }
    r.dataset = Bind(page, source.name, name);
    r.change = "skipped";
    r.notes.push_back(why + "; not replaced (use --prefix)");
    return r;
  }
  Dataset fresh = Merge(Bind(page, source.name, name), stored->exists ? &stored->dataset : nullptr);
  if (o.dry_run) {
    r.dataset = std::move(fresh);
    r.change = "parsed";
    return r;
  }
  if (stored->exists) r.diff = datasource::DescribeDiff(datasource::DiffDatasets(stored->dataset, fresh));
  auto put = app.db().catalog().Put(ObjectKind::kDataset, name, DatasetToJson(fresh));
  if (!put) return Fail(put.error());
  auto now = LoadStored(app, name);
  if (!now) return Fail(now.error());
  r.change = ChangeName(*put);
  r.version = now->version;
  r.dataset = std::move(now->dataset);
  RecordCheck(app, {name});
  return r;
}

// What the next runs do to the storages of the dataset's plans.
std::vector<std::string> MigrationPlan(App& app, const std::string& dataset, const datasource::DatasetDiff& diff) {
  std::vector<std::string> out;
  std::vector<std::string> apply, held;
  for (const auto& f : diff.added_fields) apply.push_back("add column " + f.name + " (" + f.type.ToString() + ")");
  for (const auto& r : diff.retyped_fields) {
    std::string what = r.name + ": " + r.from.ToString() + " -> " + r.to.ToString();
    (r.widening ? apply : held).push_back((r.widening ? "widen column " : "retype column ") + what);
  }
  for (const auto& f : diff.removed_fields) {
    held.push_back("keep column " + f.name + " (the vendor no longer documents it; new rows leave it NULL)");
  }
  if (apply.empty() && held.empty()) return out;
  auto plans = app.Plans();
  auto storages = app.Storages();
  if (!plans || !storages) return {"cannot list the plans of dataset '" + dataset + "'"};
  bool any = false;
  for (const auto& p : *plans) {
    if (p.dataset != dataset) continue;
    for (const auto& sname : p.storages) {
      std::string kind = "?";
      for (const auto& st : *storages) {
        if (st.name == sname) kind = st.kind;
      }
      any = true;
      std::string where = "storage '" + sname + "' (" + kind + "), plan '" + p.name + "': ";
      if (!apply.empty()) out.push_back(where + "the next run will " + core::Join(apply, "; "));
      if (!held.empty()) out.push_back(where + "held for review (`datasync migrate`): " + core::Join(held, "; "));
    }
  }
  if (!any) out.push_back("no plan syncs dataset '" + dataset + "' yet; its storages start with the new schema");
  return out;
}

// The doc importer of the provider of the dataset's source.
core::Result<const datasource::DatasetImporter*> ImporterFor(App& app, const Dataset& dataset) {
  auto sources = app.Sources();
  if (!sources) return Fail(sources.error());
  for (const auto& s : *sources) {
    if (s.name != dataset.source) continue;
    if (const auto* importer = ImporterOf(app, s)) return importer;
    return Fail(NoImporter(app, s).error());
  }
  return Fail(ErrorKind::kConfig,
              "dataset '" + dataset.name + "' names source '" + dataset.source + "', which is not applied");
}

// The source's provider's metadata import (ProviderInfo::import_api), through the app's HTTP client and clock.
core::Result<datasource::ImportedDataset> ImportApi(App& app, const datasource::DataSource& source,
                                                    const datasource::ProviderInfo& info, std::string_view what) {
  datasource::ProviderContext ctx;
  ctx.http = &app.http();
  ctx.source = &source;
  ctx.clock = &app.clock();
  return info.import_api(ctx, what);
}

// The dataset's definition as its vendor describes it now: from the provider's metadata endpoint when it
// has one (the doc_url is what the import recorded), else from the doc page at its doc_url.
core::Result<datasource::ImportedDataset> ReadDefinition(App& app, const Dataset& current) {
  auto sources = app.Sources();
  if (!sources) return Fail(sources.error());
  for (const auto& s : *sources) {
    if (s.name != current.source) continue;
    const datasource::ProviderInfo* info = app.providers().Find(s.provider);
    if (info && info->import_api) return ImportApi(app, s, *info, current.doc_url);
    break;
  }
  auto importer = ImporterFor(app, current);
  if (!importer) return Fail(importer.error());
  auto html = FetchDocPage(app, current.doc_url);
  if (!html) return Fail(html.error());
  return (*importer)->ParsePage(*html, current.doc_url);
}

RefreshResult RefreshOne(App& app, const Dataset& current, bool dry_run) {
  RefreshResult r;
  r.dataset = current.name;
  r.url = current.doc_url;
  r.origin = std::string(datasource::DatasetOriginName(current.origin));
  r.version_before = r.version_after = current.schema_version;
  if (current.doc_url.empty()) {
    r.error = "dataset '" + current.name + "' has no doc_url to refresh from";
    return r;
  }
  auto page = ReadDefinition(app, current);
  if (!page) {
    r.error = page.error().message();
    return r;
  }
  if (page->dataset.api != current.api) {
    r.error = "the page now describes api '" + page->dataset.api + "', not '" + current.api + "'; nothing changed";
    return r;
  }
  r.notes = page->notes;
  Dataset fresh = Merge(Bind(*page, current.source, current.name), &current);
  r.diff = datasource::DiffDatasets(current, fresh);
  r.changes = datasource::DescribeDiff(r.diff);
  RecordCheck(app, {current.name});
  if (current.origin != DatasetOrigin::kImport) {
    if (!r.diff.empty()) {
      r.notes.push_back("dataset '" + current.name +
                        "' is defined in datasync.yaml: change it there (`datasync dataset import " + current.doc_url +
                        " --yaml` prints the page's definition)");
    }
    return r;
  }
  if (dry_run) return r;
  auto put = app.db().catalog().Put(ObjectKind::kDataset, current.name, DatasetToJson(fresh));
  if (!put) {
    r.error = put.error().message();
    return r;
  }
  if (*put == metadata::PutOutcome::kUpdated) {
    auto now = LoadStored(app, current.name);
    if (now) r.version_after = now->version;
    r.stored = true;
    r.migration = MigrationPlan(app, current.name, r.diff);
  }
  return r;
}

}  // namespace

core::Result<std::string> FetchDocPage(App& app, const std::string& url) {
  if (url.starts_with("file:")) {
    std::string path = url.substr(5);
    if (path.starts_with("//")) path = path.substr(2);
    std::ifstream in(path, std::ios::binary);
    if (!in) return Fail(ErrorKind::kConfig, "cannot read the saved page " + path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return Fail(ErrorKind::kConfig, "'" + url + "' is not an http://, https:// or file: URL");
  }
  net::HttpRequest req;
  req.url = url;
  req.headers = {{"Accept", "text/html"}};
  req.timeout = std::chrono::seconds(30);
  req.max_body_bytes = net::kMaxDocPageBytes;
  auto resp = app.http().Send(req);
  if (!resp) return Fail(resp.error());
  if (resp->status != 200) {
    ErrorKind kind = resp->status >= 500 ? ErrorKind::kTransient : ErrorKind::kInvalidInput;
    return Fail(kind, "HTTP " + std::to_string(resp->status) + " from " + url);
  }
  return std::move(resp->body);
}

namespace {

// `dataset import --api NAME --source S`: the source's provider reads the API's metadata itself.
core::Result<ImportResult> ImportFromApi(App& app, const ImportOptions& o) {
  auto sources = app.Sources();
  if (!sources) return Fail(sources.error());
  std::vector<std::string> names, able;
  const datasource::DataSource* chosen = nullptr;
  for (const auto& s : *sources) {
    names.push_back(s.name);
    const datasource::ProviderInfo* info = app.providers().Find(s.provider);
    if (!info || !info->import_api) continue;
    able.push_back(s.name);
    if (s.name == o.source || (o.source.empty() && able.size() == 1)) chosen = &s;
  }
  if (o.source.empty() && able.size() > 1) {
    return Fail(ErrorKind::kConfig, "several sources can import APIs (" + core::Join(able, ", ") +
                                        "); choose one with --source");
  }
  if (!chosen) {
    std::string known = names.empty() ? std::string("none") : core::Join(names, ", ");
    if (!o.source.empty() && std::find(names.begin(), names.end(), o.source) == names.end()) {
      return Fail(ErrorKind::kNotFound, "unknown source '" + o.source + "' (applied: " + known + ")");
    }
    return Fail(ErrorKind::kConfig,
                (o.source.empty() ? std::string("no applied source can") : "source '" + o.source + "' cannot") +
                    " import an API from its vendor's metadata (--api; providers that can: " +
                    ApiImporterProviders(app) +
                    "); import a doc page (URL) instead, or define such a source and run `datasync apply`");
  }
  const datasource::ProviderInfo* info = app.providers().Find(chosen->provider);
  auto page = ImportApi(app, *chosen, *info, o.api);
  if (!page) return Fail(page.error());
  return ImportPage(app, *page, o, *chosen, false);
}

}  // namespace

core::Result<ImportResult> ImportDataset(App& app, const ImportOptions& o) {
  if (!o.api.empty()) {
    if (!o.url.empty() || !o.file.empty()) {
      return Fail(ErrorKind::kConfig, "give either --api NAME or a doc page (URL or --file), not both");
    }
    return ImportFromApi(app, o);
  }
  auto source = PickSource(app, o.source);
  if (!source) return Fail(source.error());
  std::string url = o.url;
  std::string text_from = o.url;
  if (!o.file.empty()) {
    std::filesystem::path p = std::filesystem::absolute(o.file);
    text_from = "file:" + p.string();
    if (url.empty()) url = text_from;
  }
  if (url.empty()) return Fail(ErrorKind::kConfig, "give the doc page's URL (or --file PATH)");
  auto html = FetchDocPage(app, text_from);
  if (!html) return Fail(html.error());
  auto page = source->importer->ParsePage(*html, url);
  if (!page) return Fail(page.error());
  return ImportPage(app, *page, o, source->source, false);
}

core::Result<CatalogImportResult> ImportCatalog(App& app, const CatalogImportOptions& o) {
  auto source = PickSource(app, o.base.source);
  if (!source) return Fail(source.error());
  if (o.base.url.empty()) return Fail(ErrorKind::kConfig, "give the URL of a doc page whose tree to import");
  CatalogImportResult out;
  datasource::CatalogWalkLimits limits;
  limits.max_pages = o.max_pages;
  limits.delay = o.delay;
  auto fetch = [&](const std::string& url) { return FetchDocPage(app, url); };
  auto pause = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  auto walk = source->importer->WalkCatalog(o.base.url, limits, fetch, pause, [&](const datasource::ImportedPage& e) {
    const std::string& label = e.label;
    if (!e.import) {
      out.skipped.push_back(label + ": " + e.skipped);
      if (o.on_page) o.on_page(label + ": skipped");
      return;
    }
    ImportOptions one = o.base;
    one.name.clear();
    auto r = ImportPage(app, *e.import, one, source->source, true);
    if (!r) {
      out.skipped.push_back(label + ": " + r.error().message());
      if (o.on_page) o.on_page(label + ": " + r.error().message());
      return;
    }
    if (o.on_page) o.on_page(label + ": " + r->dataset.name + " " + r->change);
    out.datasets.push_back(std::move(*r));
  });
  if (!walk) return Fail(walk.error());
  out.truncated = *walk;
  return out;
}

core::Result<std::vector<RefreshResult>> RefreshDatasets(App& app, const std::vector<std::string>& names, bool all,
                                                         bool dry_run) {
  auto datasets = app.Datasets();
  if (!datasets) return Fail(datasets.error());
  std::vector<const Dataset*> targets;
  for (const auto& n : names) {
    auto it = std::find_if(datasets->begin(), datasets->end(), [&](const Dataset& d) { return d.name == n; });
    if (it == datasets->end()) {
      std::vector<std::string> known;
      for (const auto& d : *datasets) known.push_back(d.name);
      return Fail(ErrorKind::kNotFound, "unknown dataset '" + n + "' (in the catalog: " +
                                            (known.empty() ? std::string("none") : core::Join(known, ", ")) + ")");
    }
    targets.push_back(&*it);
  }
  if (names.empty()) {
    for (const auto& d : *datasets) {
      if (d.origin == DatasetOrigin::kImport || (all && !d.doc_url.empty())) targets.push_back(&d);
    }
  }
  std::vector<RefreshResult> out;
  for (const auto* d : targets) out.push_back(RefreshOne(app, *d, dry_run));
  return out;
}

std::vector<RefreshResult> RefreshDue(App& app, const std::vector<std::string>& names) {
  std::vector<RefreshResult> out;
  int64_t hours = app.settings().schema_refresh_hours;
  if (hours <= 0) return out;
  auto datasets = app.Datasets();
  if (!datasets) return out;
  SchemaCheckLog log = SchemaCheckLog::Load(app.project().state_dir);
  int64_t now = core::ToEpochMicros(app.clock().Now());
  std::vector<std::string> attempted;
  for (const auto& d : *datasets) {
    if (d.origin != DatasetOrigin::kImport || d.doc_url.empty()) continue;
    if (std::find(names.begin(), names.end(), d.name) == names.end()) continue;
    if (!log.Due(d.name, now, hours)) continue;
    out.push_back(RefreshOne(app, d, false));
    attempted.push_back(d.name);
  }
  // A page that could not be fetched is tried again after the next interval, not on every run: an
  // unreachable doc site must not slow every run down by a timeout.
  RecordCheck(app, attempted);
  return out;
}

RefreshResult RefreshAfterDrift(App& app, const std::string& dataset) {
  auto results = RefreshDatasets(app, {dataset}, false, false);
  if (!results || results->empty()) {
    RefreshResult r;
    r.dataset = dataset;
    r.error = results ? "dataset not found" : results.error().message();
    return r;
  }
  return std::move(results->front());
}

core::Result<std::vector<DatasetVersion>> DatasetHistory(App& app, const std::string& name) {
  auto history = app.db().catalog().History(ObjectKind::kDataset, name);
  if (!history) return Fail(history.error());
  if (history->empty()) return Fail(ErrorKind::kNotFound, "unknown dataset '" + name + "'");
  std::vector<DatasetVersion> out;
  std::optional<Dataset> previous;
  for (const auto& o : *history) {
    auto d = DatasetFromJson(o.spec_json);
    if (!d) return Fail(d.error());
    DatasetVersion v;
    v.version = o.version;
    v.updated_at_us = o.updated_at_us;
    v.origin = std::string(datasource::DatasetOriginName(d->origin));
    if (previous) v.changes = datasource::DescribeDiff(datasource::DiffDatasets(*previous, *d));
    previous = std::move(*d);
    out.push_back(std::move(v));
  }
  return out;
}

std::vector<std::string> DescribeRefresh(const RefreshResult& r, const std::string& why) {
  std::string head = "dataset " + r.dataset + " checked against " + (r.url.empty() ? "its doc page" : r.url) + " (" +
                     why + ")";
  if (!r.error.empty()) return {head + ": " + r.error};
  std::vector<std::string> out;
  if (r.stored) {
    out.push_back(head + ": version " + std::to_string(r.version_before) + " -> " + std::to_string(r.version_after));
  } else if (r.changes.empty()) {
    out.push_back(head + ": unchanged");
  } else {
    out.push_back(head + ": the page differs");
  }
  for (const auto& c : r.changes) out.push_back("  " + c);
  for (const auto& m : r.migration) out.push_back("  " + m);
  // The importer's notes describe the page; repeating them on every unchanged check would be noise.
  if (r.stored || !r.changes.empty()) {
    for (const auto& n : r.notes) out.push_back("  note: " + n);
  }
  return out;
}

std::string DatasetsYaml(const std::vector<Dataset>& datasets) {
  YAML::Emitter out;
  out.SetOutputCharset(YAML::EmitNonAscii);
  out << YAML::BeginMap << YAML::Key << "datasets" << YAML::Value << YAML::BeginMap;
  for (const auto& d : datasets) {
    out << YAML::Key << d.name << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "source" << YAML::Value << d.source;
    out << YAML::Key << "api" << YAML::Value << d.api;
    out << YAML::Key << "title" << YAML::Value << d.title;
    out << YAML::Key << "description" << YAML::Value << d.description;
    out << YAML::Key << "doc_url" << YAML::Value << d.doc_url;
    if (d.row_cap > 0) out << YAML::Key << "row_cap" << YAML::Value << d.row_cap;
    if (d.points > 0) out << YAML::Key << "points" << YAML::Value << d.points;
    if (!d.paging.empty()) out << YAML::Key << "paging" << YAML::Value << d.paging;
    if (!d.primary_key.empty()) out << YAML::Key << "primary_key" << YAML::Value << YAML::Flow << d.primary_key;
    if (!d.date_key.empty()) out << YAML::Key << "date_key" << YAML::Value << d.date_key;
    if (!d.default_fields.empty()) {
      out << YAML::Key << "default_fields" << YAML::Value << YAML::Flow << d.default_fields;
    }
    out << YAML::Key << "params" << YAML::Value << YAML::BeginSeq;
    for (const auto& p : d.params) {
      out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << p.name << YAML::Key << "type"
          << YAML::Value << p.type << YAML::Key << "required" << YAML::Value << p.required << YAML::Key
          << "description" << YAML::Value << p.description << YAML::EndMap;
    }
    out << YAML::EndSeq;
    out << YAML::Key << "fields" << YAML::Value << YAML::BeginSeq;
    if (d.schema) {
      for (const auto& f : d.schema->fields()) {
        out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << f.name << YAML::Key << "type"
            << YAML::Value << f.type.ToString() << YAML::Key << "description" << YAML::Value << f.description
            << YAML::EndMap;
      }
    }
    out << YAML::EndSeq << YAML::EndMap;
  }
  out << YAML::EndMap << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace datasync::app
