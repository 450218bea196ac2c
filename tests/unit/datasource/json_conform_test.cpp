#include "datasource/json_conform.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "core/dates.hpp"
#include "datasource/json_long_numbers.hpp"

namespace datasync::datasource {
namespace {

using core::ErrorKind;
using core::LogicalType;

core::SchemaPtr Schema() {
  return std::make_shared<core::Schema>(std::vector<core::Field>{{"code", LogicalType::String()},
                                                                 {"day", LogicalType::Date()},
                                                                 {"close", LogicalType::Float64()},
                                                                 {"volume", LogicalType::Int64()},
                                                                 {"halted", LogicalType::Bool()}});
}

class JsonConformTest : public ::testing::Test {
 protected:
  simdjson::dom::element Parse(const std::string& json) {
    docs_.push_back(std::make_unique<simdjson::dom::parser>());
    simdjson::dom::element e;
    EXPECT_EQ(docs_.back()->parse(json).get(e), simdjson::SUCCESS) << json;
    return e;
  }
  std::vector<std::unique_ptr<simdjson::dom::parser>> docs_;
};

TEST_F(JsonConformTest, ArrayRowsFollowTheVendorsFieldOrderIntoTheSchemasColumns) {
  JsonConformer c(Schema(), nullptr, {"vendor daily: ", "items", "'fields'"});
  for (const char* f : {"close", "code", "vwap", "day"}) c.AddField(f);
  ASSERT_TRUE(c.AppendArrayRow(Parse(R"([8.7, "000001.SZ", 8.71, "20240102"])")));
  ASSERT_TRUE(c.AppendArrayRow(Parse(R"(["8.5", "600000.SH", null, 20240103])")));
  EXPECT_EQ(c.rows(), 2u);
  Page page = std::move(c).Finish();
  const core::ColumnBatch& b = page.batch;
  ASSERT_TRUE(b.Validate());
  EXPECT_EQ(b.schema().Names(), Schema()->Names());
  EXPECT_EQ(b.column(0).GetString(1), "600000.SH");
  EXPECT_EQ(b.column(1).GetInt32(0), *core::ParseDate("20240102"));
  EXPECT_EQ(b.column(1).GetInt32(1), *core::ParseDate("20240103"));  // an integer date
  EXPECT_EQ(b.column(2).GetFloat64(1), 8.5);                         // a numeric string
  EXPECT_EQ(b.column(3).null_count(), 2u);                           // volume: never sent
  EXPECT_EQ(page.vendor_fields, (std::vector<std::string>{"close", "code", "vwap", "day"}));
  EXPECT_EQ(page.extra_fields, std::vector<std::string>{"vwap"});
  EXPECT_EQ(page.missing_fields, (std::vector<std::string>{"volume", "halted"}));
}

TEST_F(JsonConformTest, ObjectRowsNameTheirFieldsAndMayLeaveKeysOut) {
  JsonConformer c(Schema(), nullptr, {"rest prices: ", "data", "keys"});
  ASSERT_TRUE(c.AppendObjectRow(Parse(R"({"code": "AAPL", "day": "2024-01-02", "volume": "12", "halted": "N"})")));
  ASSERT_TRUE(c.AppendObjectRow(Parse(R"({"code": "MSFT", "volume": 7.0, "note": "x"})")));
  Page page = std::move(c).Finish();
  const core::ColumnBatch& b = page.batch;
  ASSERT_TRUE(b.Validate());
  ASSERT_EQ(b.num_rows(), 2u);
  EXPECT_EQ(b.column(0).GetString(1), "MSFT");
  EXPECT_FALSE(b.column(1).IsValid(1));  // day left out of the second object
  EXPECT_EQ(b.column(3).GetInt64(0), 12);
  EXPECT_EQ(b.column(3).GetInt64(1), 7);
  EXPECT_FALSE(b.column(4).GetBool(0));
  EXPECT_EQ(page.missing_fields, std::vector<std::string>{"close"});
  EXPECT_TRUE(page.extra_fields.empty());  // "note" came after the first object declared the fields
}

TEST_F(JsonConformTest, AValueOfTheWrongTypeIsPermanentAndNamesRowFieldAndValue) {
  JsonConformer c(Schema(), nullptr, {"vendor daily: ", "items", "'fields'"});
  c.AddField("code");
  c.AddField("volume");
  ASSERT_TRUE(c.AppendArrayRow(Parse(R"(["a", 1])")));
  auto st = c.AppendArrayRow(Parse(R"(["b", "lots"])"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kPermanent);
  EXPECT_EQ(st.error().code(), "bad_value");
  EXPECT_EQ(st.error().message(),
            "vendor daily: items[1] field 'volume': cannot read \"lots\" as int64; the vendor's data does not match "
            "the dataset's schema (check the field's type)");
}

TEST_F(JsonConformTest, ARowOfTheWrongShapeIsPermanent) {
  JsonConformer c(Schema(), nullptr, {"vendor daily: ", "items", "'fields'"});
  c.AddField("code");
  c.AddField("close");
  auto narrow = c.AppendArrayRow(Parse(R"(["a"])"));
  ASSERT_FALSE(narrow);
  EXPECT_EQ(narrow.error().code(), "bad_row");
  EXPECT_EQ(narrow.error().message(), "vendor daily: items[0] has 1 values but 'fields' names 2");
  auto object = c.AppendArrayRow(Parse(R"({"code": "a"})"));
  ASSERT_FALSE(object);
  EXPECT_EQ(object.error().code(), "bad_row");
  auto scalar = JsonConformer(Schema(), nullptr, {}).AppendObjectRow(Parse("3"));
  ASSERT_FALSE(scalar);
  EXPECT_EQ(scalar.error().code(), "bad_row");
}

TEST_F(JsonConformTest, IntegersInAnyJsonForm) {
  EXPECT_EQ(JsonInteger(Parse("40203")), 40203);
  EXPECT_EQ(JsonInteger(Parse("\"-2001\"")), -2001);
  EXPECT_EQ(JsonInteger(Parse("1.0")), 1);
  EXPECT_FALSE(JsonInteger(Parse("1.5")));
  EXPECT_FALSE(JsonInteger(Parse("true")));
  EXPECT_FALSE(JsonInteger(Parse("\"x\"")));
}

TEST_F(JsonConformTest, WideDecimalsKeepEveryDigitTheVendorWrote) {
  auto schema = std::make_shared<core::Schema>(std::vector<core::Field>{
      {"revenue", LogicalType::Decimal(34, 12)}, {"px", LogicalType::Decimal(12, 2)}});
  JsonConformer c(schema, nullptr, {"ndl SF1: ", "data", "columns"});
  c.AddField("revenue");
  c.AddField("px");
  // Numbers with more than 15 significant digits reach the conformer as text (QuoteLongNumbers), the way a
  // decoder passes them; short ones stay numbers.
  std::string body = R"([[1234567890123456789012.123456789012, 12.5], [-1234.567800000000, "-0.01"],)"
                     R"( [null, null], ["-1234567890123456789012.123456789012", 9999999999], [7, 3]])";
  auto quoted = QuoteLongNumbers(body);
  ASSERT_TRUE(quoted);
  simdjson::dom::array rows;
  ASSERT_EQ(Parse(*quoted).get_array().get(rows), simdjson::SUCCESS);
  for (auto row : rows) ASSERT_TRUE(c.AppendArrayRow(row));
  Page page = std::move(c).Finish();
  const core::ColumnBatch& b = page.batch;
  ASSERT_TRUE(b.Validate());
  EXPECT_EQ(b.column(0).DecimalText(0), "1234567890123456789012.123456789012");
  EXPECT_EQ(b.column(0).DecimalText(1), "-1234.567800000000");
  EXPECT_FALSE(b.column(0).IsValid(2));
  EXPECT_EQ(b.column(0).DecimalText(3), "-1234567890123456789012.123456789012");
  EXPECT_EQ(b.column(0).DecimalText(4), "7.000000000000");
  EXPECT_EQ(b.column(1).DecimalText(0), "12.50");
  EXPECT_EQ(b.column(1).DecimalText(1), "-0.01");
  EXPECT_EQ(b.column(1).DecimalText(3), "9999999999.00");
}

TEST_F(JsonConformTest, DecimalsThatMayHaveLostDigitsOrDoNotFitAreRefused) {
  auto schema = std::make_shared<core::Schema>(std::vector<core::Field>{{"revenue", LogicalType::Decimal(34, 12)},
                                                                        {"px", LogicalType::Decimal(12, 2)}});
  auto refused = [&](const char* row) {
    JsonConformer c(schema, nullptr, {"ndl SF1: ", "data", "columns"});
    c.AddField("revenue");
    c.AddField("px");
    auto st = c.AppendArrayRow(Parse(row));
    return !st && st.error().kind() == ErrorKind::kPermanent;
  };
  // A double that the parser rounded (the body was not passed through QuoteLongNumbers).
  EXPECT_TRUE(refused("[123456789012.123456789012, 1]"));
  // More integer digits than decimal(34,12) holds (23), as text and as a number.
  EXPECT_TRUE(refused(R"(["12345678901234567890123.5", 1])"));
  // decimal(12,2) holds 10 integer digits.
  EXPECT_TRUE(refused("[1, 12345678901]"));
  EXPECT_TRUE(refused(R"([1, "-12345678901.5"])"));
  EXPECT_FALSE(refused("[1, 1234567890.99]"));
  // A float artefact beyond the scale rounds as before: the dropped digits cannot change the cents.
  EXPECT_FALSE(refused("[1, 1234.5600000000002]"));

  // The messages say why, and what to do.
  JsonConformer c(schema, nullptr, {"ndl SF1: ", "data", "columns"});
  c.AddField("revenue");
  c.AddField("px");
  auto lost = c.AppendArrayRow(Parse("[123456789012.123456789012, 1]"));
  ASSERT_FALSE(lost);
  EXPECT_NE(lost.error().message().find("more significant digits than a float64 keeps"), std::string::npos)
      << lost.error().message();
  JsonConformer d(schema, nullptr, {"ndl SF1: ", "data", "columns"});
  d.AddField("revenue");
  d.AddField("px");
  auto wide = d.AppendArrayRow(Parse("[1, 12345678901]"));
  ASSERT_FALSE(wide);
  EXPECT_NE(wide.error().message().find("more digits than decimal(12,2) holds (10 before the point); widen"),
            std::string::npos)
      << wide.error().message();
}

}  // namespace
}  // namespace datasync::datasource
