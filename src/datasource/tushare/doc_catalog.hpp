// Walking the Tushare doc tree (the sidebar of every doc page) to import many datasets at once
// (`datasync dataset import --catalog URL`). Starting from one page, it fetches the pages below it in the
// tree (the whole tree when the URL names no doc_id), breadth first, one page at a time with a pause
// between fetches so the vendor's site is not hammered, and parses each as a dataset page; category
// pages (no tables) are listed as skipped, not as errors. Links are reduced to their doc_id and fetched
// from the start URL's host, so a mirror or the project's simulator is walked in place of the real site.
//
// Fetching and waiting are injected (tests drive a fake site and record the pauses). Not thread-safe;
// one walk per call.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "datasource/tushare/doc_page.hpp"

namespace datasync::datasource::tushare {

struct CatalogEntry {
  int64_t doc_id = 0;     // 0 for a start URL without one
  std::string label;      // the sidebar's label (may differ from the page's title)
  std::string url;
  std::optional<DocPage> page;  // set for dataset pages
  std::string skipped;          // why there is no page (a category, a fetch error)
};

struct CatalogWalk {
  std::vector<CatalogEntry> entries;  // in visit order
  bool truncated = false;             // stopped at max_pages with pages left
};

struct CatalogWalkOptions {
  size_t max_pages = 200;
  std::chrono::milliseconds delay{1000};  // between two fetches
};

using FetchPage = std::function<core::Result<std::string>(const std::string& url)>;
using Pause = std::function<void(std::chrono::milliseconds)>;

// Fails only when the start page cannot be fetched; every other page's problem is in its entry.
core::Result<CatalogWalk> WalkCatalog(const std::string& start_url, const CatalogWalkOptions& options,
                                      const FetchPage& fetch, const Pause& pause,
                                      const std::function<void(const CatalogEntry&)>& on_entry = {});

// `url` with its doc_id set to `doc_id` (added when it has none).
std::string WithDocId(const std::string& url, int64_t doc_id);

}  // namespace datasync::datasource::tushare
