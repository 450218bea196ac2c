#include "datasource/tushare/doc_importer.hpp"

#include "datasource/tushare/doc_catalog.hpp"
#include "datasource/tushare/doc_page.hpp"

namespace datasync::datasource::tushare {

namespace {

ImportedDataset FromPage(const DocPage& page) {
  return ImportedDataset{ToDataset(page, "", page.api), page.notes};
}

class DocImporter final : public DatasetImporter {
 public:
  core::Result<ImportedDataset> ParsePage(std::string_view html, std::string_view url) const override {
    auto page = ParseDocPage(html, url);
    if (!page) return tl::unexpected(page.error());
    return FromPage(*page);
  }

  core::Result<bool> WalkCatalog(const std::string& start_url, const CatalogWalkLimits& limits,
                                 const FetchDocument& fetch, const PauseFor& pause,
                                 const std::function<void(const ImportedPage&)>& on_page) const override {
    CatalogWalkOptions options;
    options.max_pages = limits.max_pages;
    options.delay = limits.delay;
    auto walk = tushare::WalkCatalog(start_url, options, fetch, pause, [&](const CatalogEntry& e) {
      ImportedPage p;
      p.label = "doc_id " + std::to_string(e.doc_id) + (e.label.empty() ? "" : " (" + e.label + ")");
      if (e.page) p.import = FromPage(*e.page);
      p.skipped = e.skipped;
      if (on_page) on_page(p);
    });
    if (!walk) return tl::unexpected(walk.error());
    return walk->truncated;
  }
};

}  // namespace

std::shared_ptr<const DatasetImporter> MakeDocImporter() {
  return std::make_shared<DocImporter>();
}

}  // namespace datasync::datasource::tushare
