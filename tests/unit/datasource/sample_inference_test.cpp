// Field types inferred from sampled records (datasource/sample_inference.hpp): each JSON kind and text form
// to its type, the conservative fallbacks (mixed, all null, nested), and the proposed keys kept only when
// unique in the sample.
#include "datasource/sample_inference.hpp"

#include <gtest/gtest.h>

namespace datasync::datasource {
namespace {

using core::LogicalType;
using K = SampleValue::Kind;

SampleValue V(K kind, std::string text = {}) {
  return {kind, std::move(text)};
}
SampleValue S(std::string text) {
  return {K::kString, std::move(text)};
}
SampleValue I(std::string text) {
  return {K::kInteger, std::move(text)};
}
SampleValue N(std::string text) {
  return {K::kNumber, std::move(text)};
}
const SampleValue kNull{};

LogicalType TypeOf(const InferredSchema& s, const std::string& name) {
  for (const auto& f : s.fields) {
    if (f.name == name) return f.type;
  }
  ADD_FAILURE() << "no field " << name;
  return {};
}

bool HasNote(const InferredSchema& s, const std::string& start) {
  for (const auto& n : s.notes) {
    if (n.rfind(start, 0) == 0) return true;
  }
  return false;
}

TEST(SampleInference, EachKindAndTextFormGetsItsType) {
  RecordSample sample;
  sample.fields = {"id", "flag", "px", "qty", "day", "trade_date", "at", "price", "name", "big", "int_date"};
  sample.rows = {
      {I("1"), V(K::kBool, "true"), N("185.64"), I("100"), S("2024-01-02"), S("20240102"), S("2024-01-02T09:30:00Z"),
       S("0.01634790"), S("Apple"), I("123456789012345678901234"), I("20240102")},
      {I("2"), V(K::kBool, "false"), I("186"), I("-5"), S("2024-01-03"), S("20240103"), S("2024-01-03 15:00:00.5"),
       S("12345.1"), S("Microsoft"), I("1"), I("20240103")},
  };
  InferredSchema s = InferSchema(sample);
  ASSERT_EQ(s.fields.size(), sample.fields.size());
  EXPECT_EQ(TypeOf(s, "id"), LogicalType::Int64());
  EXPECT_EQ(TypeOf(s, "flag"), LogicalType::Bool());
  EXPECT_EQ(TypeOf(s, "px"), LogicalType::Float64());  // a fraction and an integer: float64, with a note
  EXPECT_TRUE(HasNote(s, "px: numbers with a fraction"));
  EXPECT_EQ(TypeOf(s, "qty"), LogicalType::Int64());
  EXPECT_EQ(TypeOf(s, "day"), LogicalType::Date());
  EXPECT_EQ(TypeOf(s, "trade_date"), LogicalType::Date());  // 8 digits in a field named as a date
  EXPECT_EQ(TypeOf(s, "at"), LogicalType::Timestamp());
  // Decimal text at the widest scale seen (8), with room above the widest value: 5 + 8 + 4 <= 18.
  EXPECT_EQ(TypeOf(s, "price"), LogicalType::Decimal(18, 8));
  EXPECT_TRUE(HasNote(s, "price: decimal numbers as text"));
  EXPECT_EQ(TypeOf(s, "name"), LogicalType::String());
  EXPECT_EQ(TypeOf(s, "big"), LogicalType::Decimal(38, 0));
  EXPECT_EQ(TypeOf(s, "int_date"), LogicalType::Date());  // integers 20240102 in a date-named field
  // The field order is the sample's.
  for (size_t i = 0; i < s.fields.size(); ++i) EXPECT_EQ(s.fields[i].name, sample.fields[i]);
  EXPECT_EQ(s.primary_key, std::vector<std::string>{"id"});  // an id alone is the key
  EXPECT_EQ(s.date_key, "trade_date");                       // the first date name of the candidates
}

TEST(SampleInference, TextThatOnlyLooksTypedStaysText) {
  RecordSample sample;
  sample.fields = {"code", "when", "ratio", "digits", "mixed", "datey"};
  sample.rows = {
      {S("000001"), S("2024-01-02"), S("1.5"), S("20240102"), I("1"), S("2024-13-40")},
      {S("600000"), S("yesterday"), S("1e-3"), S("20240103"), S("one"), S("2024-01-02")},
  };
  InferredSchema s = InferSchema(sample);
  EXPECT_EQ(TypeOf(s, "code"), LogicalType::String());    // integers in strings are codes: leading zeros kept
  EXPECT_EQ(TypeOf(s, "when"), LogicalType::String());    // one value is no date
  EXPECT_EQ(TypeOf(s, "ratio"), LogicalType::String());   // an exponent is no plain decimal
  EXPECT_EQ(TypeOf(s, "digits"), LogicalType::String());  // 8 digits, but the name does not say date
  EXPECT_EQ(TypeOf(s, "mixed"), LogicalType::String());
  EXPECT_TRUE(HasNote(s, "mixed: mixed values (1 integer, 1 string)"));
  EXPECT_EQ(TypeOf(s, "datey"), LogicalType::String());  // month 13 is no date
}

TEST(SampleInference, NullsAndEmptyStringsDoNotDecideButNestedValuesAreLeftOut) {
  RecordSample sample;
  sample.fields = {"a", "b", "nested", "never"};
  sample.rows = {
      {kNull, S(""), V(K::kNested), kNull},
      {I("7"), S("2024-01-02"), kNull, kNull},
      {I("8")},  // a record without the later keys: NULL
  };
  InferredSchema s = InferSchema(sample);
  ASSERT_EQ(s.fields.size(), 3u);
  EXPECT_EQ(TypeOf(s, "a"), LogicalType::Int64());
  EXPECT_EQ(TypeOf(s, "b"), LogicalType::Date());  // "" reads as NULL in a date field
  EXPECT_EQ(TypeOf(s, "never"), LogicalType::String());
  EXPECT_TRUE(HasNote(s, "never: no value in the sample"));
  EXPECT_TRUE(HasNote(s, "nested: holds nested objects or arrays"));
  EXPECT_TRUE(HasNote(s, "primary key: no id, code or date field by name"));
}

TEST(SampleInference, ACodeAndDateKeyIsProposedOnlyWhenUniqueInTheSample) {
  RecordSample sample;
  sample.fields = {"ticker", "date", "close"};
  sample.rows = {{S("AAPL"), S("2024-01-02"), N("1.5")},
                 {S("MSFT"), S("2024-01-02"), N("2.5")},
                 {S("AAPL"), S("2024-01-03"), N("1.6")}};
  InferredSchema s = InferSchema(sample);
  EXPECT_EQ(s.primary_key, (std::vector<std::string>{"ticker", "date"}));
  EXPECT_EQ(s.date_key, "date");

  sample.rows.push_back({S("AAPL"), S("2024-01-03"), N("1.7")});  // a duplicate (ticker, date)
  s = InferSchema(sample);
  EXPECT_TRUE(s.primary_key.empty());
  EXPECT_TRUE(HasNote(s, "primary key: ticker, date is not unique"));
  EXPECT_EQ(s.date_key, "date");
}

TEST(SampleInference, ADateKeyMustHoldDates) {
  RecordSample sample;
  sample.fields = {"symbol", "date"};
  sample.rows = {{S("A"), S("not a day")}, {S("B"), S("still not")}};
  InferredSchema s = InferSchema(sample);
  EXPECT_TRUE(s.date_key.empty());
  EXPECT_EQ(s.primary_key, std::vector<std::string>{"symbol"});
}

TEST(SampleInference, WideDecimalTextGetsPrecision38) {
  RecordSample sample;
  sample.fields = {"volume"};
  sample.rows = {{S("123456789012.12345678")}, {S("1.1")}};
  InferredSchema s = InferSchema(sample);
  EXPECT_EQ(TypeOf(s, "volume"), LogicalType::Decimal(38, 8));
}

}  // namespace
}  // namespace datasync::datasource
