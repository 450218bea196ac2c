// DatasetImporter: reads a vendor's documentation into Datasets (ARCHITECTURE §8), for `dataset import`
// (one page, a saved page, or a walk of the doc tree) and `dataset refresh`. A provider that has one
// offers it on ProviderInfo::importer; app/ fetches the pages (http(s):// or file:) and stores the
// results, the importer only reads them.
//
// Everything on a page is untrusted text; importers never interpret it.
// Lifecycle: built once when the provider registers, immutable. Thread-safety: const methods, callable
// from any thread (the walk calls `fetch`, `pause` and `on_page` on the caller's thread).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "datasource/dataset.hpp"

namespace datasync::datasource {

// One doc page read as a dataset.
struct ImportedDataset {
  // Named after its API, bound to no source (the caller names and binds it), origin import.
  Dataset dataset;
  std::vector<std::string> notes;  // decisions the importer made on its own, for the operator
};

// One page visited by a catalog walk.
struct ImportedPage {
  std::string label;                      // how progress lines name the page: "doc_id 14 (股票数据)"
  std::optional<ImportedDataset> import;  // set for dataset pages
  std::string skipped;                    // why there is none (a category page, a fetch error)
};

struct CatalogWalkLimits {
  size_t max_pages = 200;
  std::chrono::milliseconds delay{1000};  // between two page fetches
};

using FetchDocument = std::function<core::Result<std::string>(const std::string& url)>;
using PauseFor = std::function<void(std::chrono::milliseconds)>;

class DatasetImporter {
 public:
  virtual ~DatasetImporter() = default;

  // The dataset one page describes (`html`, fetched by the caller from `url`); kInvalidInput naming what
  // is missing when it is not a dataset page.
  virtual core::Result<ImportedDataset> ParsePage(std::string_view html, std::string_view url) const = 0;

  // Visits the pages below `start_url` in the vendor's doc tree, fetching each with `fetch` and pausing
  // `limits.delay` between fetches, and reports each to `on_page`. Fails only when the start page cannot
  // be fetched; true when it stopped at limits.max_pages with pages left.
  virtual core::Result<bool> WalkCatalog(const std::string& start_url, const CatalogWalkLimits& limits,
                                         const FetchDocument& fetch, const PauseFor& pause,
                                         const std::function<void(const ImportedPage&)>& on_page) const = 0;
};

}  // namespace datasync::datasource
