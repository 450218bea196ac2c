#include "datasource/json_conform.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>

#include "core/dates.hpp"
#include "core/strings.hpp"
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

// Decimal columns read JSON numbers without a text round trip when that is exact; every number must give
// what the text route gives (ParseDecimal of the double's shortest text), across scales, magnitudes,
// signs, halves, long fractions and integers near the limits. Small numbers whose shortest text has an
// exponent, which the text route refused (0.000001 failed the page), now read as written.
TEST_F(JsonConformTest, DecimalsFromNumbersEqualTheTextRouteExactly) {
  std::vector<std::string> numbers = {"0",
                                      "-0",
                                      "0.5",
                                      "-0.5",
                                      "1.005",
                                      "2.675",
                                      "185.64",
                                      "370.870000000000",
                                      "0.000001",
                                      "-0.0000005",
                                      "1e-300",
                                      "123456789012.345678",
                                      "999999999999999",
                                      "1e15",
                                      "9.999999999999999e14",
                                      "0.1",
                                      "0.3",
                                      "1.15",
                                      "1234.5678901234",
                                      "9223372036854775807",
                                      "-9223372036854775808",
                                      "42",
                                      "-42",
                                      "1e17"};
  uint64_t seed = 0x9E3779B97F4A7C15ULL;
  for (int i = 0; i < 3000; ++i) {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    int digits = static_cast<int>(seed % 9);
    double v = static_cast<double>(static_cast<int64_t>(seed >> 20) % 100000000000) / std::pow(10.0, digits);
    if (seed & 1) v = -v;
    numbers.push_back(core::FormatDouble(v));
  }
  for (uint8_t scale : {0, 2, 4, 6, 12, 18}) {
    auto schema = std::make_shared<core::Schema>(std::vector<core::Field>{{"d", LogicalType::Decimal(18, scale)}});
    for (const auto& n : numbers) {
      JsonConformer c(schema, nullptr, {"t: ", "items", "'fields'"});
      c.AddField("d");
      simdjson::dom::element row = Parse("[" + n + "]");
      simdjson::dom::array cells = row.get_array().value_unsafe();
      simdjson::dom::element cell = cells.at(0).value_unsafe();
      std::optional<int64_t> want;
      bool may_refuse = false;  // the text route refused it: refusing is still right, reading must be exact
      if (cell.type() == simdjson::dom::element_type::DOUBLE) {
        std::string text = core::FormatDouble(cell.get_double().value_unsafe());
        want = core::ParseDecimal(text, scale);
        // More than 15 significant digits may be more than the vendor wrote: the conformer refuses such a
        // double unless the lost digits cannot matter at the scale (JsonConformTest.DecimalsThatMay...).
        int significant = 0;
        for (char ch : text.substr(0, text.find('e'))) significant += (ch >= '0' && ch <= '9') ? 1 : 0;
        if (significant > 15) may_refuse = true;
        // The text route cannot read a shortest form with an exponent ("1e-06" for 0.000001); the direct
        // route may, and must then give the number as written.
        if (!want && text.find('e') != std::string::npos) {
          if (n.find_first_of("eE") != std::string::npos) continue;
          want = core::ParseDecimal(n, scale);
          may_refuse = true;
        }
      } else if (cell.type() == simdjson::dom::element_type::INT64) {
        want = core::ParseDecimal(std::to_string(cell.get_int64().value_unsafe()), scale);
      } else {
        want = core::ParseDecimal(std::to_string(cell.get_uint64().value_unsafe()), scale);
      }
      // A value of more digits than the column's precision (18) is refused, never kept.
      constexpr int64_t kTen18 = 1'000'000'000'000'000'000;
      if (want && (*want >= kTen18 || *want <= -kTen18)) want.reset();
      auto st = c.AppendArrayRow(row);
      if (may_refuse && !st) continue;
      ASSERT_EQ(st.has_value(), want.has_value()) << n << " at scale " << int(scale);
      if (!want) continue;
      Page page = std::move(c).Finish();
      EXPECT_EQ(page.batch.column(0).GetInt64(0), *want) << n << " at scale " << int(scale);
    }
  }
}

// A small number whose shortest text has an exponent (0.000001 is "1e-06") is a decimal like any other:
// the text route refused it and failed the page as bad_value.
TEST_F(JsonConformTest, SmallNumbersReadIntoDecimalColumns) {
  auto schema = std::make_shared<core::Schema>(std::vector<core::Field>{{"d", LogicalType::Decimal(18, 8)}});
  JsonConformer c(schema, nullptr, {"t: ", "items", "'fields'"});
  c.AddField("d");
  for (const char* n : {"[0.000001]", "[-0.00000025]", "[1e-7]"}) ASSERT_TRUE(c.AppendArrayRow(Parse(n))) << n;
  Page page = std::move(c).Finish();
  EXPECT_EQ(page.batch.column(0).GetInt64(0), 100);
  EXPECT_EQ(page.batch.column(0).GetInt64(1), -25);
  EXPECT_EQ(page.batch.column(0).GetInt64(2), 10);
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
