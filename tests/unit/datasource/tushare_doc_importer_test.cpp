// The Tushare doc importer behind the DatasetImporter slot: what `dataset import` and `refresh` get
// from a page and from a catalog walk.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "datasource/tushare/doc_importer.hpp"
#include "datasource/tushare/tushare_provider.hpp"

namespace datasync::datasource::tushare {
namespace {

std::string FixturePage() {
  std::ifstream in(std::string(DATASYNC_SHARED_DIR) + "/fixtures/tushare_docs/daily_doc_id_27.html", std::ios::binary);
  EXPECT_TRUE(in);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(TushareDocImporterTest, TheProviderOffersItsImporter) {
  ProviderRegistry registry;
  RegisterTushare(registry);
  ASSERT_NE(registry.Find("tushare"), nullptr);
  EXPECT_NE(registry.Find("tushare")->importer, nullptr);
}

TEST(TushareDocImporterTest, APageBecomesAnUnboundDatasetNamedAfterItsApi) {
  auto importer = MakeDocImporter();
  auto page = importer->ParsePage(FixturePage(), "https://tushare.pro/document/2?doc_id=27");
  ASSERT_TRUE(page) << page.error().ToString();
  const Dataset& d = page->dataset;
  EXPECT_EQ(d.api, "daily");
  EXPECT_EQ(d.name, "daily");
  EXPECT_EQ(d.source, "");
  EXPECT_EQ(d.origin, DatasetOrigin::kImport);
  EXPECT_EQ(d.doc_url, "https://tushare.pro/document/2?doc_id=27");
  ASSERT_NE(d.schema, nullptr);
  EXPECT_TRUE(d.schema->IndexOf("trade_date").has_value());
  EXPECT_EQ(d.primary_key, (std::vector<std::string>{"ts_code", "trade_date"}));

  auto category = importer->ParsePage("<html><body><div class=\"content\"><h2>行情</h2></div></body></html>", "x");
  ASSERT_FALSE(category);
  EXPECT_EQ(category.error().kind(), core::ErrorKind::kInvalidInput);
}

TEST(TushareDocImporterTest, AWalkLabelsPagesByDocId) {
  std::string category = "<html><body><div class=\"content\"><h2>行情</h2></div></body></html>";
  std::vector<ImportedPage> seen;
  auto importer = MakeDocImporter();
  auto fetch = [&](const std::string& url) -> core::Result<std::string> {
    if (url.find("doc_id=27") != std::string::npos) return FixturePage();
    if (url.find("doc_id=15") != std::string::npos) return category;
    return core::Fail(core::ErrorKind::kPermanent, "HTTP 404");
  };
  auto pause = [](std::chrono::milliseconds) {};
  auto record = [&](const ImportedPage& p) { seen.push_back(p); };

  auto one = importer->WalkCatalog("http://sim/document/2?doc_id=27", {}, fetch, pause, record);
  ASSERT_TRUE(one) << one.error().ToString();
  EXPECT_FALSE(*one);
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front().label.rfind("doc_id 27", 0), 0u) << seen.front().label;
  ASSERT_TRUE(seen.front().import);
  EXPECT_EQ(seen.front().import->dataset.api, "daily");

  seen.clear();
  auto skipped = importer->WalkCatalog("http://sim/document/2?doc_id=15", {}, fetch, pause, record);
  ASSERT_TRUE(skipped);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].label, "doc_id 15");
  EXPECT_FALSE(seen[0].import);
  EXPECT_NE(seen[0].skipped.find("not a dataset page"), std::string::npos) << seen[0].skipped;

  EXPECT_FALSE(importer->WalkCatalog("http://sim/document/2?doc_id=99", {}, fetch, pause, record));
}

}  // namespace
}  // namespace datasync::datasource::tushare
