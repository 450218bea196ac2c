// `datasync dataset import|refresh|show|sample`: datasets imported from vendor doc pages and kept in sync with
// them, and the fields of a described (rest) dataset inferred from one call.
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/dataset_sample.hpp"
#include "app/dataset_service.hpp"
#include "app/views/dataset_views.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/json_text.hpp"
#include "core/strings.hpp"

namespace datasync::cli {

using json = nlohmann::ordered_json;

namespace {

std::string Summary(const datasource::Dataset& d) {
  std::vector<std::string> parts = {"api " + d.api, std::to_string(d.schema ? d.schema->size() : 0) + " fields",
                                    std::to_string(d.params.size()) + " params"};
  parts.push_back("primary key " + (d.primary_key.empty() ? std::string("(none)") : core::Join(d.primary_key, ",")));
  if (!d.date_key.empty()) parts.push_back("date key " + d.date_key);
  if (d.row_cap > 0) parts.push_back("row cap " + std::to_string(d.row_cap));
  if (d.points > 0) parts.push_back(std::to_string(d.points) + " points");
  return core::Join(parts, ", ");
}

void PrintNotes(const std::vector<std::string>& notes, bool to_stderr) {
  for (const auto& n : notes) {
    if (to_stderr) {
      std::fprintf(stderr, "note: %s\n", n.c_str());
    } else {
      Print("  note: " + n + "\n");
    }
  }
}

int ImportCatalog(const Globals& g, app::App& app, const DatasetImportArgs& args) {
  app::CatalogImportOptions o;
  o.base.url = args.url;
  o.base.source = args.source;
  o.base.prefix = args.prefix;
  o.base.dry_run = args.yaml;
  o.max_pages = static_cast<size_t>(std::max<int64_t>(args.max_pages, 1));
  o.delay = std::chrono::milliseconds(std::max<int64_t>(args.delay_ms, 0));
  o.on_page = [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
  auto r = app::ImportCatalog(app, o);
  if (!r) return ExitWithError(r.error());
  if (args.yaml) {
    std::vector<datasource::Dataset> ds;
    for (const auto& x : r->datasets) {
      if (x.change != "skipped") ds.push_back(x.dataset);
    }
    for (const auto& s : r->skipped) std::fprintf(stderr, "skipped %s\n", s.c_str());
    Print(app::DatasetsYaml(ds));
    return kOk;
  }
  if (g.json) {
    Print(core::JsonText(app::views::ToJson(*r), 2) + "\n");
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& x : r->datasets) {
    rows.push_back({x.dataset.name, x.dataset.api, x.change, x.version ? std::to_string(x.version) : "-",
                    std::to_string(x.dataset.schema ? x.dataset.schema->size() : 0), x.dataset.title});
  }
  if (!rows.empty()) Print(RenderTable({"NAME", "API", "CHANGE", "VERSION", "FIELDS", "TITLE"}, rows));
  for (const auto& s : r->skipped) Print("skipped " + s + "\n");
  if (r->truncated) Print(fmt::format("stopped after {} pages; raise --max-pages to walk further\n", args.max_pages));
  return kOk;
}

}  // namespace

int CmdDatasetImport(const Globals& g, const DatasetImportArgs& args) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  app::App& app = **a;
  if (args.catalog) {
    if (!args.api.empty()) {
      std::fprintf(stderr, "error: --catalog walks doc pages; --api imports one API\n");
      return kUsage;
    }
    if (!args.file.empty() || !args.name.empty()) {
      std::fprintf(stderr, "error: --catalog walks pages from a URL; --file and --name do not apply\n");
      return kUsage;
    }
    return ImportCatalog(g, app, args);
  }
  if (args.url.empty() && args.file.empty() && args.api.empty()) {
    std::fprintf(stderr,
                 "error: give a doc page URL (https://tushare.pro/document/2?doc_id=N), --file PATH, or "
                 "--api NAME (nasdaq_data_link: --api datatables/ZACKS/FC or datasets/WIKI/AAPL)\n");
    return kUsage;
  }
  app::ImportOptions o;
  o.url = args.url;
  o.file = args.file;
  o.api = args.api;
  o.source = args.source;
  o.name = args.name;
  o.prefix = args.prefix;
  o.dry_run = args.yaml;
  auto r = app::ImportDataset(app, o);
  if (!r) return ExitWithError(r.error());
  if (args.yaml) {
    PrintNotes(r->notes, true);
    Print(app::DatasetsYaml({r->dataset}));
    return kOk;
  }
  if (g.json) {
    Print(core::JsonText(app::views::ToJson(*r), 2) + "\n");
    return kOk;
  }
  Print(fmt::format("{} dataset {} (version {}) from {}\n  {}\n", r->change, r->dataset.name, r->version,
                    r->dataset.doc_url, Summary(r->dataset)));
  for (const auto& d : r->diff) Print("  " + d + "\n");
  PrintNotes(r->notes, false);
  return kOk;
}

int CmdDatasetRefresh(const Globals& g, const std::vector<std::string>& names, bool all, bool dry_run) {
  if (names.empty() && !all) {
    std::fprintf(stderr,
                 "error: name datasets to refresh, or use --all (every imported dataset, and the other "
                 "datasets with a doc_url, which are compared only)\n");
    return kUsage;
  }
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto results = app::RefreshDatasets(**a, names, all, dry_run);
  if (!results) return ExitWithError(results.error());
  bool failed = false;
  json arr = json::array();
  for (const auto& r : *results) {
    failed = failed || !r.error.empty();
    if (g.json) {
      arr.push_back(app::views::ToJson(r));
      continue;
    }
    for (const auto& line : app::DescribeRefresh(r, dry_run ? "dry run" : "refresh")) Print(line + "\n");
  }
  if (g.json) Print(core::JsonText(arr, 2) + "\n");
  if (results->empty() && !g.json) Print("no imported datasets to refresh\n");
  return failed ? kRunFailed : kOk;
}

int CmdDatasetShow(const Globals& g, const std::string& name) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto datasets = (*a)->Datasets();
  if (!datasets) return ExitWithError(datasets.error());
  const datasource::Dataset* d = nullptr;
  for (const auto& x : *datasets) {
    if (x.name == name) d = &x;
  }
  if (!d) return ExitWithError(core::Error(core::ErrorKind::kNotFound, "unknown dataset '" + name + "'"));
  auto history = app::DatasetHistory(**a, name);
  if (!history) return ExitWithError(history.error());
  if (g.json) {
    Print(core::JsonText(app::views::DatasetDetailJson(*d, *history), 2) + "\n");
    return kOk;
  }
  Print(fmt::format("{} (version {}, {}): {}\n  {}\n", d->name, d->schema_version,
                    datasource::DatasetOriginName(d->origin), d->title, Summary(*d)));
  if (!d->doc_url.empty()) Print("  doc: " + d->doc_url + "\n");
  std::vector<std::vector<std::string>> rows;
  for (const auto& f : d->schema->fields()) {
    bool shown = d->default_fields.empty() ||
                 std::find(d->default_fields.begin(), d->default_fields.end(), f.name) != d->default_fields.end();
    rows.push_back({f.name, f.type.ToString(), shown ? "yes" : "no", f.description});
  }
  Print(RenderTable({"FIELD", "TYPE", "DEFAULT", "DESCRIPTION"}, rows));
  rows.clear();
  for (const auto& p : d->params) rows.push_back({p.name, p.type, p.required ? "yes" : "no", p.description});
  if (!rows.empty()) Print(RenderTable({"PARAM", "TYPE", "REQUIRED", "DESCRIPTION"}, rows));
  for (const auto& v : *history) {
    Print(fmt::format("version {} ({}, {})\n", v.version, v.origin, LocalTime(v.updated_at_us)));
    for (const auto& c : v.changes) Print("  " + c + "\n");
  }
  return kOk;
}

int CmdDatasetSample(const Globals& g, const std::string& name, const std::vector<std::string>& params, bool write) {
  app::SampleOptions o;
  o.dataset = name;
  o.write = write;
  for (const auto& p : params) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "error: --param %s: expected NAME=VALUE (e.g. --param date.gte=2024-01-02)\n", p.c_str());
      return kUsage;
    }
    o.params.emplace_back(p.substr(0, eq), p.substr(eq + 1));
  }
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto r = app::SampleDataset(**a, o);
  if (!r) return ExitWithError(r.error());
  if (g.json) {
    json fields = json::array();
    for (const auto& f : r->inferred.fields) fields.push_back({{"name", f.name}, {"type", f.type.ToString()}});
    json out = {{"dataset", r->dataset},
                {"records", r->records},
                {"fields", fields},
                {"primary_key", r->inferred.primary_key},
                {"date_key", r->inferred.date_key},
                {"notes", r->inferred.notes},
                {"declared_differences", r->declared_differences},
                {"written", r->written}};
    Print(core::JsonText(out, 2) + "\n");
    return kOk;
  }
  PrintNotes(r->inferred.notes, true);
  for (const auto& d : r->declared_differences)
    std::fprintf(stderr, "differs from the declared fields: %s\n", d.c_str());
  if (r->written) {
    Print(
        fmt::format("wrote {} fields into datasets.{} of datasync.yaml (from {} records); `datasync apply` "
                    "stores them\n",
                    r->inferred.fields.size(), r->dataset, r->records));
    return kOk;
  }
  Print(r->yaml);
  return kOk;
}

}  // namespace datasync::cli
