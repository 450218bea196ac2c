// Nasdaq Data Link metadata read into Datasets: the vendor's type names (any case) to exact column types,
// filterable columns to request params (what templates may send), the primary and date keys, time series
// imported per database, what `dataset import --api` and a stored doc_url may name, and bad answers.
#include <gtest/gtest.h>

#include "datasource/nasdaq/metadata_import.hpp"

namespace datasync::datasource::nasdaq {
namespace {

using core::ErrorKind;
using core::LogicalType;

constexpr const char* kTableMetadata = R"j({"datatable":{"vendor_code":"QSIM","datatable_code":"EQ",
  "name":"Simulated equity prices","description":"Daily prices.",
  "columns":[{"name":"ticker","type":"String"},{"name":"date","type":"Date"},
             {"name":"close","type":"BigDecimal(34,12)"},{"name":"open","type":"bigdecimal(12,4)"},
             {"name":"volume","type":"Integer"},{"name":"ratio","type":"double"},
             {"name":"updated_at","type":"DateTime"},{"name":"active","type":"BOOLEAN"},{"name":"odd","type":"geo"}],
  "filters":["ticker","date","nope"],"primary_key":["ticker","date"],"premium":false}})j";

constexpr const char* kSeriesMetadata = R"({"dataset":{"id":9775409,"dataset_code":"AAPL","database_code":"WIKI",
  "name":"Apple Inc (AAPL) Prices","description":"End of day prices.","refreshed_at":"2018-03-27T21:46:11.036Z",
  "newest_available_date":"2018-03-27","oldest_available_date":"1980-12-12",
  "column_names":["Date","Open","High","Adj. Close"],"frequency":"daily","type":"Time Series","premium":false}})";

TEST(NdlTypeMapTest, VendorTypesMapExactlyInAnyCase) {
  EXPECT_EQ(MapVendorType("String").type, LogicalType::String());
  EXPECT_EQ(MapVendorType("string").type, LogicalType::String());
  EXPECT_EQ(MapVendorType("Date").type, LogicalType::Date());
  EXPECT_EQ(MapVendorType("DATETIME").type, LogicalType::Timestamp());
  EXPECT_EQ(MapVendorType("Integer").type, LogicalType::Int64());
  EXPECT_EQ(MapVendorType("double").type, LogicalType::Float64());
  EXPECT_EQ(MapVendorType("float").type, LogicalType::Float64());
  EXPECT_EQ(MapVendorType("Boolean").type, LogicalType::Bool());
  EXPECT_EQ(MapVendorType("BigDecimal(12,4)").type, LogicalType::Decimal(12, 4));
  EXPECT_EQ(MapVendorType("bigdecimal( 18 , 2 )").type, LogicalType::Decimal(18, 2));
  EXPECT_TRUE(MapVendorType("BigDecimal(12,4)").note.empty());
  EXPECT_EQ(MapVendorType("BigDecimal(34,12)").type, LogicalType::Decimal(34, 12));  // exact: core decimals hold 38
  EXPECT_TRUE(MapVendorType("BigDecimal(34,12)").note.empty());
  EXPECT_EQ(MapVendorType("BigDecimal(20,2)").type, LogicalType::Decimal(20, 2));
  VendorType wide = MapVendorType("BigDecimal(60,20)");
  EXPECT_EQ(wide.type, LogicalType::Decimal(38, 12));
  EXPECT_NE(wide.note.find("at most 26 integer digits"), std::string::npos) << wide.note;
  EXPECT_EQ(MapVendorType("BigDecimal(x)").type, LogicalType::Float64());
  EXPECT_EQ(MapVendorType("BigDecimal").type, LogicalType::Float64());
  EXPECT_NE(MapVendorType("BigDecimal").note.find("stored as float64"), std::string::npos);
  EXPECT_EQ(MapVendorType("BigDecimal(4,6)").type, LogicalType::Float64()) << "a scale beyond the precision";
  VendorType unknown = MapVendorType("geo");
  EXPECT_EQ(unknown.type, LogicalType::String());
  EXPECT_NE(unknown.note.find("unknown vendor type"), std::string::npos);
}

TEST(NdlMetadataRefTest, NamesAndUrlsOfBothApis) {
  auto t = ParseMetadataRef("datatables/QSIM/EQ");
  ASSERT_TRUE(t);
  EXPECT_TRUE(t->table);
  EXPECT_EQ(t->api, "datatables/QSIM/EQ");
  EXPECT_EQ(t->with_code, "datatables/QSIM/EQ");
  auto u = ParseMetadataRef("http://127.0.0.1:5/api/v3/datatables/QSIM/EQ/metadata.json");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->api, "datatables/QSIM/EQ");
  auto s = ParseMetadataRef("https://data.nasdaq.com/api/v3/datasets/WIKI/AAPL/metadata.json?x=1");
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->table);
  EXPECT_EQ(s->api, "datasets/WIKI");
  EXPECT_EQ(s->code, "AAPL");
  EXPECT_EQ(s->with_code, "datasets/WIKI/AAPL");
  for (const char* bad : {"daily", "datasets/WIKI", "datatables/QSIM", "datatables/Q/../x", "datasets/WIKI/..",
                          "https://tushare.pro/document/2?doc_id=27"}) {
    auto r = ParseMetadataRef(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind(), ErrorKind::kConfig) << bad;
  }
}

TEST(NdlMetadataTest, ATableBringsTypesFiltersAndKeys) {
  auto ref = ParseMetadataRef("datatables/QSIM/EQ");
  ASSERT_TRUE(ref);
  auto r = ParseMetadata(*ref, kTableMetadata, "https://h/api/v3/datatables/QSIM/EQ/metadata.json");
  ASSERT_TRUE(r) << r.error().ToString();
  const Dataset& d = r->dataset;
  EXPECT_EQ(d.name, "qsim_eq");
  EXPECT_EQ(d.api, "datatables/QSIM/EQ");
  EXPECT_EQ(d.title, "Simulated equity prices");
  EXPECT_EQ(d.description, "Daily prices.");
  EXPECT_EQ(d.doc_url, "https://h/api/v3/datatables/QSIM/EQ/metadata.json");
  EXPECT_EQ(d.origin, DatasetOrigin::kImport);
  ASSERT_TRUE(d.schema);
  EXPECT_EQ(d.schema->Names(), (std::vector<std::string>{"ticker", "date", "close", "open", "volume", "ratio",
                                                         "updated_at", "active", "odd"}));
  std::vector<LogicalType> types;
  for (const auto& f : d.schema->fields()) types.push_back(f.type);
  EXPECT_EQ(types, (std::vector<LogicalType>{LogicalType::String(), LogicalType::Date(), LogicalType::Decimal(34, 12),
                                             LogicalType::Decimal(12, 4), LogicalType::Int64(), LogicalType::Float64(),
                                             LogicalType::Timestamp(), LogicalType::Bool(), LogicalType::String()}));
  EXPECT_EQ(d.primary_key, (std::vector<std::string>{"ticker", "date"}));
  EXPECT_EQ(d.date_key, "date");
  std::vector<std::string> params;
  for (const auto& p : d.params) params.push_back(p.name + ":" + p.type);
  EXPECT_EQ(params, (std::vector<std::string>{"ticker:str", "date:date", "date.gte:date", "date.gt:date",
                                              "date.lte:date", "date.lt:date"}));
  // The importer says what it decided: the unknown type, the filter on no column; BigDecimal(34,12) is exact.
  std::string notes;
  for (const auto& n : r->notes) notes += n + "\n";
  EXPECT_EQ(notes.find("column close"), std::string::npos) << notes;
  EXPECT_NE(notes.find("column odd: unknown vendor type"), std::string::npos) << notes;
  EXPECT_NE(notes.find("filter nope names no column"), std::string::npos) << notes;
}

TEST(NdlMetadataTest, ATimeSeriesIsImportedForItsDatabase) {
  auto ref = ParseMetadataRef("datasets/WIKI/AAPL");
  ASSERT_TRUE(ref);
  auto r = ParseMetadata(*ref, kSeriesMetadata, "u");
  ASSERT_TRUE(r) << r.error().ToString();
  const Dataset& d = r->dataset;
  EXPECT_EQ(d.name, "wiki");
  EXPECT_EQ(d.api, "datasets/WIKI");
  EXPECT_EQ(d.title, "Apple Inc (AAPL) Prices");
  // The rows name no series: a `code` field (filled from each request's code) keys the database's series.
  EXPECT_EQ(d.schema->Names(), (std::vector<std::string>{"code", "date", "open", "high", "adj_close"}));
  EXPECT_EQ(d.schema->field(0).type, LogicalType::String());
  EXPECT_EQ(d.schema->field(1).type, LogicalType::Date());
  EXPECT_FALSE(d.schema->field(1).nullable);
  EXPECT_EQ(d.schema->field(4).type, LogicalType::Float64());
  EXPECT_EQ(d.primary_key, (std::vector<std::string>{"code", "date"}));
  EXPECT_EQ(d.date_key, "date");
  ASSERT_FALSE(d.params.empty());
  EXPECT_EQ(d.params[0].name, "code");
  EXPECT_TRUE(d.params[0].required);
  std::vector<std::string> names;
  for (const auto& p : d.params) names.push_back(p.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "start_date"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "end_date"), names.end());
  std::string notes;
  for (const auto& n : r->notes) notes += n + "\n";
  EXPECT_NE(notes.find("daily, 1980-12-12 to 2018-03-27"), std::string::npos) << notes;
  EXPECT_NE(notes.find("'Adj. Close' stored as adj_close"), std::string::npos) << notes;
}

TEST(NdlMetadataTest, BadAnswersAreInvalidInputNamingTheApi) {
  auto ref = ParseMetadataRef("datatables/QSIM/EQ");
  ASSERT_TRUE(ref);
  for (const char* bad :
       {"<html>", "[]", R"({"dataset":{}})", R"({"datatable":{}})", R"({"datatable":{"columns":[]}})",
        R"({"datatable":{"columns":[{"type":"String"}]}})", R"({"datatable":{"columns":[{"name":"a"},{"name":"a"}]}})",
        R"({"datatable":{"columns":[{"name":"a\nb"}]}})"}) {
    auto r = ParseMetadata(*ref, bad, "u");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidInput) << bad;
    EXPECT_NE(r.error().message().find("metadata of datatables/QSIM/EQ"), std::string::npos) << r.error().message();
  }
  auto series = ParseMetadataRef("datasets/WIKI/AAPL");
  EXPECT_FALSE(ParseMetadata(*series, R"({"dataset":{"column_names":[]}})", "u"));
}

}  // namespace
}  // namespace datasync::datasource::nasdaq
