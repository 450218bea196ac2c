// The Tushare doc-page importer: golden files for the real fixture page and for pages written for each
// variant in ../shared/fixtures/tushare_docs/README.md (4-column output tables, <br/>, 接口名称/接口参数,
// inline markup, extra non-field tables, 二选一, None/number/datetime types, another outer shell, no
// headings), hostile pages, pages that are not dataset pages, the sidebar tree, the catalog walk with its
// pacing, and dataset diffs. scripts/update-golden.sh rewrites the golden files (then review the diff).
#include "datasource/tushare/doc_page.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/strings.hpp"
#include "datasource/dataset_diff.hpp"
#include "datasource/tushare/doc_catalog.hpp"
#include "harness/golden.hpp"

namespace datasync::datasource::tushare {
namespace {

using json = nlohmann::ordered_json;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot read " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string DocsDir() {
  return std::string(DATASYNC_TEST_DATA_DIR) + "/tushare_docs/";
}
std::string FixturePage() {
  return Slurp(std::string(DATASYNC_SHARED_DIR) + "/fixtures/tushare_docs/daily_doc_id_27.html");
}

json PageJson(const DocPage& p) {
  json params = json::array();
  for (const auto& x : p.params) {
    params.push_back({{"name", x.name}, {"type", x.type}, {"required", x.required}, {"description", x.description}});
  }
  json fields = json::array();
  for (const auto& f : p.fields) {
    json j = {{"name", f.name}, {"vendor_type", f.vendor_type}, {"type", f.type.ToString()}};
    j["default_shown"] = f.default_shown ? json(*f.default_shown) : json(nullptr);
    j["description"] = f.description;
    fields.push_back(j);
  }
  return {{"url", p.url},
          {"title", p.title},
          {"api", p.api},
          {"description", p.description},
          {"row_cap", p.row_cap},
          {"points", p.points},
          {"params", params},
          {"fields", fields},
          {"primary_key", p.primary_key},
          {"date_key", p.date_key},
          {"notes", p.notes}};
}

void ExpectGolden(const std::string& html, const std::string& golden_name, const std::string& url) {
  auto page = ParseDocPage(html, url);
  ASSERT_TRUE(page) << page.error().ToString();
  std::string actual = PageJson(*page).dump(2, ' ', false) + "\n";
  datasync::harness::ExpectGolden(actual, DocsDir() + golden_name);
}

TEST(DocPageTest, RealFixturePage) {
  ExpectGolden(FixturePage(), "daily_doc_id_27.golden.json", "https://tushare.pro/document/2?doc_id=27");
  auto page = ParseDocPage(FixturePage(), "https://tushare.pro/document/2?doc_id=27");
  ASSERT_TRUE(page);
  // The facts a sync depends on, spelled out next to the golden file.
  EXPECT_EQ(page->api, "daily");
  EXPECT_EQ(page->title, "A股日线行情");
  EXPECT_EQ(page->row_cap, 6000);
  EXPECT_EQ(page->points, 0);  // "基础积分" names no number
  ASSERT_EQ(page->params.size(), 4u);
  ASSERT_EQ(page->fields.size(), 11u);
  EXPECT_EQ(page->fields[1].type, core::LogicalType::Date());
  EXPECT_EQ(page->fields[10].type, core::LogicalType::Float64());
  EXPECT_EQ(page->primary_key, (std::vector<std::string>{"ts_code", "trade_date"}));
  EXPECT_EQ(page->date_key, "trade_date");
  EXPECT_TRUE(page->notes.empty());
}

TEST(DocPageTest, FourColumnOutputWithBrSlashApiNameVariantAndInlineMarkup) {
  ExpectGolden(Slurp(DocsDir() + "stock_basic_4col.html"), "stock_basic_4col.golden.json",
               "http://127.0.0.1/document/2?doc_id=25");
  auto page = ParseDocPage(Slurp(DocsDir() + "stock_basic_4col.html"), "u");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->api, "stock_basic");
  EXPECT_EQ(page->row_cap, 5000);
  EXPECT_EQ(page->points, 120);
  EXPECT_EQ(page->params.size(), 5u);
  EXPECT_EQ(page->fields[3].description, "所属 行业");
  EXPECT_EQ(page->fields[4].default_shown, false);
  Dataset d = ToDataset(*page, "tushare", "stocks");
  EXPECT_EQ(d.default_fields, (std::vector<std::string>{"ts_code", "symbol", "name", "industry", "list_date"}));
  EXPECT_EQ(d.origin, DatasetOrigin::kImport);
  EXPECT_EQ(d.primary_key, (std::vector<std::string>{"ts_code"}));
  EXPECT_EQ(d.schema->field(6).type, core::LogicalType::Date());
  EXPECT_EQ(d.paging, "");  // no offset/limit documented
  DocPage paged = *page;
  paged.params.push_back({"offset", "int", false, "开始行数"});
  paged.params.push_back({"limit", "int", false, "最大行数"});
  EXPECT_EQ(ToDataset(paged, "tushare", "stocks").paging, "offset");
}

TEST(DocPageTest, ExtraTableEitherParamsOddTypesAndAnotherShell) {
  ExpectGolden(Slurp(DocsDir() + "income_extra_table.html"), "income_extra_table.golden.json",
               "http://127.0.0.1/document/2?doc_id=33");
  auto page = ParseDocPage(Slurp(DocsDir() + "income_extra_table.html"), "u");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->row_cap, 10000);
  EXPECT_EQ(page->points, 2000);
  EXPECT_FALSE(page->params[0].required);  // Y, but 二选一
  EXPECT_FALSE(page->params[1].required);
  EXPECT_EQ(page->fields.size(), 10u);  // the report-type table after the fields is not read as fields
  EXPECT_EQ(page->fields[7].type, core::LogicalType::String());     // None
  EXPECT_EQ(page->fields[6].type, core::LogicalType::Float64());    // number
  EXPECT_EQ(page->fields[9].type, core::LogicalType::Timestamp());  // datetime, 更新时间
  EXPECT_EQ(page->primary_key, (std::vector<std::string>{"ts_code", "end_date"}));
}

TEST(DocPageTest, TablesWithoutHeadingsAreToldApartByTheirColumns) {
  ExpectGolden(Slurp(DocsDir() + "no_headings.html"), "no_headings.golden.json",
               "http://127.0.0.1/document/2?doc_id=28");
}

TEST(DocPageTest, HostileNamesAndTextStayData) {
  ExpectGolden(Slurp(DocsDir() + "hostile.html"), "hostile.golden.json", "http://127.0.0.1/document/2?doc_id=666");
  auto page = ParseDocPage(Slurp(DocsDir() + "hostile.html"), "u");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->api, "evil_api");
  std::vector<std::string> names;
  for (const auto& f : page->fields) names.push_back(f.name);
  EXPECT_EQ(names, (std::vector<std::string>{"ts_code", "trade_date", "value"}));
  EXPECT_EQ(page->description.find("injected"), std::string::npos);  // script content is never text
  EXPECT_LE(page->fields[2].description.size(), 2000u);
  EXPECT_TRUE(core::IsValidUtf8(page->fields[2].description));
  for (char c : page->description) EXPECT_GE(static_cast<unsigned char>(c), 0x20);
}

TEST(DocPageTest, PagesThatAreNotDatasetPagesSayWhatIsMissing) {
  auto category = ParseDocPage(Slurp(DocsDir() + "category.html"), "http://h/document/2?doc_id=14");
  ASSERT_FALSE(category);
  EXPECT_EQ(category.error().kind(), core::ErrorKind::kInvalidInput);
  EXPECT_EQ(category.error().message(),
            "doc page http://h/document/2?doc_id=14: no API name (a line 接口：NAME or 接口名称：NAME); is it a "
            "dataset page?");
  auto no_api = ParseDocPage(Slurp(DocsDir() + "no_api.html"), "p");
  ASSERT_FALSE(no_api);
  EXPECT_NE(no_api.error().message().find("no API name"), std::string::npos);
  auto no_type = ParseDocPage(Slurp(DocsDir() + "no_type_column.html"), "p");
  ASSERT_FALSE(no_type);
  EXPECT_EQ(no_type.error().message(), "doc page p: the output table has no 类型 column (headers: 名称 | 说明)");
  auto empty = ParseDocPage("", "p");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message(), "doc page p: no title (an <h2> in the content); is it a dataset page?");
  auto tables_only = ParseDocPage("<h2>x</h2><p>接口：x</p>", "p");
  ASSERT_FALSE(tables_only);
  EXPECT_NE(tables_only.error().message().find("no output table (a table after 输出参数)"), std::string::npos);
}

// A dataset page whose content ends in `depth` nested <div>s that never close: a hostile page that overflowed
// the stack of a recursive walk, and that gumbo takes minutes to parse (its cost grows with the square of the
// depth). It must be refused before parsing, quickly, naming the page, the limit and the depth found.
std::string NestedPage(size_t depth, std::string_view open = "<div>") {
  std::string html =
      "<html><body><div class=\"content\"><h2>日线行情</h2><p>接口：daily</p><p>输出参数</p>"
      "<table><tr><th>名称</th><th>类型</th></tr><tr><td>ts_code</td><td>str</td></tr></table>";
  html.reserve(html.size() + depth * open.size());
  for (size_t i = 0; i < depth; ++i) html += open;
  return html;
}

TEST(DocPageTest, APageNestedTooDeepIsRefusedBeforeItIsParsed) {
  const std::string url = "https://tushare.pro/document/2?doc_id=27";
  for (size_t depth : {size_t{40000}, size_t{200000}}) {
    std::string html = NestedPage(depth);
    auto t0 = std::chrono::steady_clock::now();
    auto page = ParseDocPage(html, url);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    std::printf("[ measured ] ParseDocPage of a page nested %zu deep (%zu bytes): %lld ms\n", depth, html.size(),
                static_cast<long long>(ms));
    ASSERT_FALSE(page) << depth;
    EXPECT_EQ(page.error().kind(), core::ErrorKind::kInvalidInput);
    const std::string& m = page.error().message();
    EXPECT_NE(m.find("doc page " + url), std::string::npos) << m;
    EXPECT_NE(m.find("limit of 512"), std::string::npos) << m;
    // html, body, the content div and the `depth` divs.
    EXPECT_NE(m.find("nested " + std::to_string(depth + 3) + " deep"), std::string::npos) << m;
  }
}

TEST(DocSidebarTest, ASidebarNestedTooDeepIsRefusedNamingThePage) {
  auto links = ParseSidebar(NestedPage(40000, "<ul><li>"), "https://tushare.pro/document/2?doc_id=14");
  ASSERT_FALSE(links);
  EXPECT_NE(links.error().message().find("doc page https://tushare.pro/document/2?doc_id=14: "), std::string::npos)
      << links.error().message();
  EXPECT_NE(links.error().message().find("limit of 512"), std::string::npos) << links.error().message();
}

TEST(DocPageTest, MisnestedTagsThatDeepenTheTreeAreCountedToo) {
  // `<b><div></b>` keeps the div open (the adoption agency moves it), `<span><div></span>` ignores the end
  // tag (a div is "special"): a scan that simply popped to the end tag's element would see depth 4 here.
  for (std::string_view trick : {"<b><div></b>", "<span><div></span>", "<p><b id=x><div></b>"}) {
    auto page = ParseDocPage(NestedPage(20000, trick), "u");
    ASSERT_FALSE(page) << trick;
    EXPECT_NE(page.error().message().find("limit of 512"), std::string::npos) << page.error().message();
  }
}

TEST(DocPageTest, TypesFromVendorNamesAndDescriptions) {
  std::string note;
  EXPECT_EQ(InferFieldType("trade_date", "str", "交易日期", &note), core::LogicalType::Date());
  EXPECT_EQ(InferFieldType("period", "str", "报告期，YYYYMMDD格式", &note), core::LogicalType::Date());
  EXPECT_EQ(InferFieldType("trade_time", "str", "交易时间", &note), core::LogicalType::Timestamp());
  EXPECT_EQ(InferFieldType("ann_date", "datetime", "公告日期", &note), core::LogicalType::Date());
  EXPECT_EQ(InferFieldType("vol", "int", "", &note), core::LogicalType::Int64());
  EXPECT_EQ(InferFieldType("is_open", "str", "是否交易 '0'休市 '1'交易", &note), core::LogicalType::String());
  EXPECT_TRUE(note.empty());
  EXPECT_EQ(InferFieldType("x", "None", "", &note), core::LogicalType::String());
  EXPECT_EQ(note, "field 'x' has type 'None'; stored as string");
  EXPECT_EQ(InferFieldType("end_date", "None", "", &note), core::LogicalType::Date());
}

TEST(DocSidebarTest, TheTreeOfTheFixturePage) {
  auto parsed = ParseSidebar(FixturePage(), "u");
  ASSERT_TRUE(parsed);
  const std::vector<DocLink>& links = *parsed;
  ASSERT_GT(links.size(), 30u);
  std::map<int64_t, DocLink> by_id;
  for (const auto& l : links) by_id[l.doc_id] = l;
  EXPECT_EQ(by_id[14].label, "股票数据");
  EXPECT_EQ(by_id[14].parent, 0);
  EXPECT_TRUE(by_id[14].has_children);
  EXPECT_EQ(by_id[24].parent, 14);
  EXPECT_TRUE(by_id[24].has_children);  // closed: its children are on its own page
  EXPECT_EQ(by_id[15].label, "行情数据");
  EXPECT_EQ(by_id[27].label, "历史日线");  // the sidebar's label, not the page's <h2>
  EXPECT_EQ(by_id[27].parent, 15);
  EXPECT_FALSE(by_id[27].has_children);
  EXPECT_EQ(by_id[32].parent, 15);
  EXPECT_EQ(by_id[384].parent, 0);
  EXPECT_EQ(DocIdOf("https://tushare.pro/document/2?doc_id=27"), 27);
  EXPECT_EQ(DocIdOf("https://tushare.pro/document/2"), std::nullopt);
  EXPECT_EQ(WithDocId("http://127.0.0.1:5/document/2?doc_id=27", 5), "http://127.0.0.1:5/document/2?doc_id=5");
  EXPECT_EQ(WithDocId("http://127.0.0.1:5/document/2", 5), "http://127.0.0.1:5/document/2?doc_id=5");
}

// A site of four pages: a category (14) over two dataset pages (25, 26) and a closed category (15) whose
// child (27) is listed only on 15's own page.
std::string SitePage(int64_t self, const std::string& body) {
  std::string open15 =
      self == 15 || self == 27 ? "<ul><li><a href=\"https://tushare.pro/document/2?doc_id=27\">日线</a></li></ul>" : "";
  return "<nav class=\"sidebar\"><div id=\"jstree\"><ul><li class=\"jstree-open\"><a "
         "href=\"https://tushare.pro/document/2?doc_id=14\">股票数据</a><ul>"
         "<li><a href=\"https://tushare.pro/document/2?doc_id=25\">列表</a></li>"
         "<li><a href=\"https://tushare.pro/document/2?doc_id=26\">日历</a></li>"
         "<li class=\"jstree-closed\"><a href=\"https://tushare.pro/document/2?doc_id=15\">行情</a>" +
         open15 + "</li></ul></li></ul></div></nav><div class=\"content\">" + body + "</div>";
}

std::string DatasetBody(const std::string& api) {
  return "<h2>" + api + "</h2><p>接口：" + api +
         "</p><p>输出参数</p><table><tr><th>名称</th><th>类型</th><th>描述</th></tr>"
         "<tr><td>ts_code</td><td>str</td><td>代码</td></tr></table>";
}

TEST(DocCatalogTest, WalksTheSubtreeOneFetchAtATimeWithPauses) {
  std::map<std::string, std::string> site = {
      {"http://sim/document/2?doc_id=14", SitePage(14, "<h2>股票数据</h2><p>分类</p>")},
      {"http://sim/document/2?doc_id=25", SitePage(25, DatasetBody("stock_basic"))},
      {"http://sim/document/2?doc_id=26", SitePage(26, DatasetBody("trade_cal"))},
      {"http://sim/document/2?doc_id=15", SitePage(15, "<h2>行情</h2>")},
      {"http://sim/document/2?doc_id=27", SitePage(27, DatasetBody("daily"))},
  };
  std::vector<std::string> fetched;
  std::vector<std::chrono::milliseconds> pauses;
  FetchPage fetch = [&](const std::string& url) -> core::Result<std::string> {
    fetched.push_back(url);
    auto it = site.find(url);
    if (it == site.end()) return core::Fail(core::ErrorKind::kPermanent, "HTTP 404");
    return it->second;
  };
  Pause pause = [&](std::chrono::milliseconds d) { pauses.push_back(d); };
  CatalogWalkOptions options;
  options.delay = std::chrono::milliseconds(250);
  auto walk = WalkCatalog("http://sim/document/2?doc_id=14", options, fetch, pause);
  ASSERT_TRUE(walk) << walk.error().ToString();
  EXPECT_EQ(fetched, (std::vector<std::string>{"http://sim/document/2?doc_id=14", "http://sim/document/2?doc_id=25",
                                               "http://sim/document/2?doc_id=26", "http://sim/document/2?doc_id=15",
                                               "http://sim/document/2?doc_id=27"}));
  EXPECT_EQ(pauses, std::vector<std::chrono::milliseconds>(4, std::chrono::milliseconds(250)));
  ASSERT_EQ(walk->entries.size(), 5u);
  std::vector<std::string> apis;
  for (const auto& e : walk->entries) apis.push_back(e.page ? e.page->api : "(" + e.label + ")");
  EXPECT_EQ(apis, (std::vector<std::string>{"(股票数据)", "stock_basic", "trade_cal", "(行情)", "daily"}));
  EXPECT_NE(walk->entries[0].skipped.find("not a dataset page"), std::string::npos);
  EXPECT_FALSE(walk->truncated);

  options.max_pages = 2;
  fetched.clear();
  auto capped = WalkCatalog("http://sim/document/2?doc_id=14", options, fetch, pause);
  ASSERT_TRUE(capped);
  EXPECT_EQ(fetched.size(), 2u);
  EXPECT_TRUE(capped->truncated);

  site.erase("http://sim/document/2?doc_id=26");
  options.max_pages = 10;
  auto holes = WalkCatalog("http://sim/document/2?doc_id=14", options, fetch, pause);
  ASSERT_TRUE(holes);
  EXPECT_EQ(holes->entries[2].skipped, "cannot fetch: HTTP 404");
  EXPECT_FALSE(WalkCatalog("http://sim/document/2?doc_id=99", options, fetch, pause));
}

Dataset Bars(std::vector<core::Field> fields, std::vector<RequestParam> params) {
  Dataset d;
  d.name = "daily";
  d.api = "daily";
  d.schema = std::make_shared<core::Schema>(std::move(fields));
  d.params = std::move(params);
  d.primary_key = {"ts_code", "trade_date"};
  d.row_cap = 6000;
  return d;
}

TEST(DatasetDiffTest, AddedRemovedRetypedFieldsAndParams) {
  using core::LogicalType;
  Dataset before =
      Bars({{"ts_code", LogicalType::String()}, {"vol", LogicalType::Int64()}, {"old", LogicalType::String()}},
           {{"ts_code", "str", false, ""}, {"trade_date", "str", false, ""}});
  Dataset after =
      Bars({{"ts_code", LogicalType::String()}, {"vol", LogicalType::Float64()}, {"vwap", LogicalType::Float64()}},
           {{"ts_code", "str", true, ""}, {"adj", "str", false, ""}});
  after.row_cap = 5000;
  DatasetDiff d = DiffDatasets(before, after);
  EXPECT_EQ(DescribeDiff(d), (std::vector<std::string>{
                                 "+ field vwap (float64)",
                                 "- field old (string)",
                                 "~ field vol: int64 -> float64 (widening)",
                                 "+ param adj (str)",
                                 "- param trade_date (str)",
                                 "~ param ts_code: now required",
                                 "~ row cap 6000 -> 5000",
                             }));
  EXPECT_FALSE(d.additive());  // a field went away
  EXPECT_TRUE(DiffDatasets(before, before).empty());
  Dataset widened = before;
  widened.schema = std::make_shared<core::Schema>(std::vector<core::Field>{{"ts_code", LogicalType::String()},
                                                                           {"vol", LogicalType::Float64()},
                                                                           {"old", LogicalType::String()},
                                                                           {"extra", LogicalType::Date()}});
  EXPECT_TRUE(DiffDatasets(before, widened).additive());
  EXPECT_FALSE(IsWidening(LogicalType::Float64(), LogicalType::Int64()));
  EXPECT_FALSE(IsWidening(LogicalType::String(), LogicalType::Date()));
}

}  // namespace
}  // namespace datasync::datasource::tushare
