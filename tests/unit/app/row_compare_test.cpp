// Row comparison (app/row_compare.hpp): the same value read back from different storages has one canonical
// text under the dataset's declared type; the row digest ignores order and sees any changed cell; the keyed
// diff counts rows only on one side, changed values per field, duplicates, and keeps the first examples.
#include "app/row_compare.hpp"

#include <gtest/gtest.h>

#include "core/dates.hpp"

namespace datasync::app {
namespace {

using core::LogicalType;
using core::Value;

TEST(RowCompareTest, OneValueReadBackFromDifferentStoragesHasOneCanonicalText) {
  const int32_t day = *core::ParseDate("2024-01-02");
  // A date as a Date, as ISO text (SQLite) and as compact text.
  for (const Value& v : {Value::Date(day), Value::String("2024-01-02"), Value::String("20240102")}) {
    EXPECT_EQ(CanonicalText(v, LogicalType::Date()), "20240102");
  }
  // A number as an integer, a double and text.
  for (const Value& v : {Value::Int64(12), Value::Float64(12.0), Value::String("12"), Value::String("12.000")}) {
    EXPECT_EQ(CanonicalText(v, LogicalType::Float64()), "12");
  }
  EXPECT_EQ(CanonicalText(Value::Float64(19.89), LogicalType::Float64()), "19.89");
  EXPECT_EQ(CanonicalText(Value::String("19.89"), LogicalType::Float64()), "19.89");
  // A decimal as NUMERIC text with trailing zeros and as a shorter text.
  EXPECT_EQ(CanonicalText(Value::String("12.3400"), LogicalType::Decimal(10, 2)),
            CanonicalText(Value::String("12.34"), LogicalType::Decimal(10, 2)));
  // Booleans as true/false, t/f and 1/0.
  EXPECT_EQ(CanonicalText(Value::Bool(true), LogicalType::Bool()), "1");
  EXPECT_EQ(CanonicalText(Value::String("t"), LogicalType::Bool()), "1");
  EXPECT_EQ(CanonicalText(Value::Int64(0), LogicalType::Bool()), "0");
  // NULL differs from the empty string and from zero.
  EXPECT_NE(CanonicalText(Value::Null(LogicalType::String()), LogicalType::String()),
            CanonicalText(Value::String(""), LogicalType::String()));
  EXPECT_NE(CanonicalText(Value::Null(LogicalType::Float64()), LogicalType::Float64()),
            CanonicalText(Value::Float64(0), LogicalType::Float64()));
  EXPECT_EQ(ShowCanonical(CanonicalText(Value::Null(LogicalType::Float64()), LogicalType::Float64())), "NULL");
}

CompareColumns Bars() {
  return {
      {"ts_code", "trade_date", "close"}, {LogicalType::String(), LogicalType::Date(), LogicalType::Float64()}, {0, 1}};
}

std::vector<Value> Bar(const char* code, const char* day, double close) {
  return {Value::String(code), Value::Date(*core::ParseDate(day)), Value::Float64(close)};
}

TEST(RowCompareTest, TheDigestIgnoresOrderAndSeesAnyChangedCell) {
  const CompareColumns c = Bars();
  auto digest = [&](const std::vector<std::vector<Value>>& rows) {
    RowDigest d;
    for (const auto& r : rows) d.Add(RowHash(r, c));
    return d;
  };
  auto a = Bar("000001.SZ", "2024-01-02", 10.5), b = Bar("000002.SZ", "2024-01-02", 7.25);
  EXPECT_EQ(digest({a, b}), digest({b, a}));
  // The same row read from SQLite (a date as ISO text, a close as text).
  std::vector<Value> a_text = {Value::String("000001.SZ"), Value::String("2024-01-02"), Value::String("10.5")};
  EXPECT_EQ(digest({a_text, b}), digest({a, b}));
  EXPECT_NE(digest({Bar("000001.SZ", "2024-01-02", 10.51), b}), digest({a, b}));
  EXPECT_NE(digest({a}), digest({a, b}));
  // Cells do not run into each other: ("ab","c") and ("a","bc") differ.
  CompareColumns two{{"x", "y"}, {LogicalType::String(), LogicalType::String()}, {0}};
  EXPECT_NE(RowHash({Value::String("ab"), Value::String("c")}, two),
            RowHash({Value::String("a"), Value::String("bc")}, two));
}

TEST(RowCompareTest, TheKeyedDiffCountsEachKindAndKeepsTheFirstExamples) {
  KeyedDiff diff(Bars(), 1);
  diff.AddLeft(Bar("000001.SZ", "2024-01-02", 10.5));  // same
  diff.AddLeft(Bar("000002.SZ", "2024-01-02", 7.25));  // changed on the right
  diff.AddLeft(Bar("000003.SZ", "2024-01-02", 3.0));   // only left
  diff.AddLeft(Bar("000004.SZ", "2024-01-02", 4.0));   // only left
  diff.AddRight(Bar("000001.SZ", "2024-01-02", 10.5));
  diff.AddRight(Bar("000002.SZ", "2024-01-02", 7.5));
  diff.AddRight(Bar("000009.SZ", "2024-01-02", 9.0));  // only right
  diff.AddRight(Bar("000009.SZ", "2024-01-02", 9.0));  // a duplicate key
  RowDiff d = diff.Finish();
  EXPECT_EQ(d.left_rows, 4);
  EXPECT_EQ(d.right_rows, 4);
  EXPECT_EQ(d.same, 1);
  EXPECT_EQ(d.changed, 1);
  EXPECT_EQ(d.only_left, 2);
  EXPECT_EQ(d.only_right, 1);
  EXPECT_EQ(d.duplicates, 1);
  EXPECT_FALSE(d.equal());
  EXPECT_EQ(d.changed_by_field, (std::map<std::string, int64_t>{{"close", 1}}));
  ASSERT_EQ(d.examples.size(), 3u);  // one of each kind (max_examples 1)
  const RowExample& changed = d.examples[0];
  EXPECT_EQ(changed.kind, RowExample::Kind::kChanged);
  EXPECT_EQ(changed.key, "ts_code=000002.SZ trade_date=20240102");
  EXPECT_EQ((std::pair{changed.field, changed.left}), (std::pair<std::string, std::string>{"close", "7.25"}));
  EXPECT_EQ(changed.right, "7.5");
  EXPECT_EQ(d.examples[1].kind, RowExample::Kind::kOnlyRight);
  EXPECT_EQ(d.examples[1].right, "ts_code=000009.SZ trade_date=20240102 close=9");
  EXPECT_EQ(d.examples[2].kind, RowExample::Kind::kOnlyLeft);
  EXPECT_EQ(d.examples[2].key, "ts_code=000003.SZ trade_date=20240102");  // the lowest key first
}

TEST(RowCompareTest, EqualSidesAreEqual) {
  KeyedDiff diff(Bars(), 5);
  diff.AddLeft(Bar("000001.SZ", "2024-01-02", 10.5));
  diff.AddRight(Bar("000001.SZ", "2024-01-02", 10.5));
  RowDiff d = diff.Finish();
  EXPECT_TRUE(d.equal());
  EXPECT_TRUE(d.examples.empty());
}

}  // namespace
}  // namespace datasync::app
