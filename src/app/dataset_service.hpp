// Dataset use cases of the schema introspection (ARCHITECTURE §8): import a dataset from a vendor doc page
// (one page, a saved file, or a walk of the doc tree), and refresh imported datasets against their pages,
// recording each change as a new catalog version (CatalogStore keeps the history) and saying what storage
// migration follows. Refreshes run on demand, on a schedule (ProjectSettings::schema_refresh_hours,
// checked when a run uses the dataset), and after a run whose responses drifted from the stored schema.
//
// Imported datasets have origin import: `apply` keeps them, plans and templates in datasync.yaml may use
// them, and a definition of the same name in datasync.yaml replaces them. Datasets defined in the file
// can be compared with their page (refresh reports the diff) but only the file changes them.
//
// Functions take the App (composition root) and run on the caller's thread. Thread-safety: they may run
// on several threads at once (the daemon's runs refresh their datasets after drift in parallel): the
// catalog and the HTTP client are thread-safe and the schema-check log has one writer at a time. Two
// refreshes of the same dataset at once both compare; the second finds the first's version and stores
// nothing.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "core/error.hpp"
#include "datasource/dataset.hpp"
#include "datasource/dataset_diff.hpp"

namespace datasync::app {

struct ImportOptions {
  std::string url;     // the doc page; with `file`, only recorded as the dataset's doc_url
  std::string api;     // instead of a doc page: an API read from the vendor's metadata (ProviderInfo::import_api)
  std::string file;    // read a saved page instead of fetching
  std::string source;  // default: the only source whose provider imports doc pages
  std::string name;    // default: prefix + the page's API name
  std::string prefix;  // catalog walks: put before every API name
  bool dry_run = false;  // --yaml: parse and print, store nothing
};

struct ImportResult {
  datasource::Dataset dataset;
  std::string change;  // created, updated, unchanged, skipped, parsed (dry run)
  int64_t version = 0;
  std::vector<std::string> diff;   // DescribeDiff against the stored version, when updated
  std::vector<std::string> notes;  // the importer's own decisions, and why a page was skipped
};

core::Result<ImportResult> ImportDataset(App& app, const ImportOptions& options);

struct CatalogImportOptions {
  ImportOptions base;  // url = the start page; source, prefix, dry_run apply to every dataset
  size_t max_pages = 200;
  std::chrono::milliseconds delay{1000};  // between two page fetches
  std::function<void(const std::string&)> on_page;  // progress: one line per page visited
};

struct CatalogImportResult {
  std::vector<ImportResult> datasets;
  std::vector<std::string> skipped;  // "doc_id 14 (股票数据): not a dataset page (...)"
  bool truncated = false;
};

core::Result<CatalogImportResult> ImportCatalog(App& app, const CatalogImportOptions& options);

struct RefreshResult {
  std::string dataset;
  std::string url;
  std::string origin;  // import or config
  bool stored = false;  // a new version was recorded
  int64_t version_before = 0;
  int64_t version_after = 0;
  datasource::DatasetDiff diff;
  std::vector<std::string> changes;    // DescribeDiff(diff)
  std::vector<std::string> migration;  // what happens to each storage of each plan of the dataset
  std::vector<std::string> notes;
  std::string error;  // the page could not be fetched or read; nothing changed
};

// names empty and all = false: every imported dataset. dry_run: compare only.
core::Result<std::vector<RefreshResult>> RefreshDatasets(App& app, const std::vector<std::string>& names, bool all,
                                                         bool dry_run);

// The scheduled check: imported datasets among `names` whose last check is older than the project's
// schema_refresh_hours. Failures are in the results, never fatal.
std::vector<RefreshResult> RefreshDue(App& app, const std::vector<std::string>& names);

// After a run saw responses whose fields differ from the stored schema.
RefreshResult RefreshAfterDrift(App& app, const std::string& dataset);

struct DatasetVersion {
  int64_t version = 0;
  int64_t updated_at_us = 0;
  std::string origin;                // config or import
  std::vector<std::string> changes;  // against the version before it (empty for the first)
};

// Every stored version of a dataset, oldest first; kNotFound when the catalog has no such dataset.
core::Result<std::vector<DatasetVersion>> DatasetHistory(App& app, const std::string& name);

// A refresh in a few lines for run output: "dataset daily_doc (scheduled check): version 2 -> 3", then
// its changes and migration, or "unchanged", or the error.
std::vector<std::string> DescribeRefresh(const RefreshResult& r, const std::string& why);

// The datasets as a `datasets:` section of datasync.yaml, ready to paste.
std::string DatasetsYaml(const std::vector<datasource::Dataset>& datasets);

// A doc page's text from http(s):// or file: URLs.
core::Result<std::string> FetchDocPage(App& app, const std::string& url);

}  // namespace datasync::app
