#include "core/column_batch.hpp"

#include <gtest/gtest.h>

namespace datasync::core {
namespace {

SchemaPtr MakeSchema() {
  return std::make_shared<Schema>(std::vector<Field>{
      {"b", LogicalType::Bool()},
      {"i", LogicalType::Int32()},
      {"l", LogicalType::Int64()},
      {"f", LogicalType::Float64()},
      {"s", LogicalType::String()},
      {"d", LogicalType::Date()},
      {"t", LogicalType::Timestamp()},
      {"m", LogicalType::Decimal(12, 2)},
  });
}

TEST(ColumnTest, AppendsAndReadsEveryType) {
  ColumnBatch batch(MakeSchema());
  for (int r = 0; r < 3; ++r) {
    batch.column(0).AppendBool(r % 2 == 0);
    batch.column(1).AppendInt32(r * 10);
    batch.column(2).AppendInt64(int64_t{1} << (40 + r));
    batch.column(3).AppendFloat64(r + 0.5);
    batch.column(4).AppendString(r == 1 ? "平安银行" : "row" + std::to_string(r));
    batch.column(5).AppendInt32(19723 + r);
    batch.column(6).AppendInt64(1704067200000000LL + r);
    batch.column(7).AppendInt64(1234 + r);
  }
  ASSERT_TRUE(batch.Validate());
  EXPECT_EQ(batch.num_rows(), 3u);
  EXPECT_FALSE(batch.column(0).GetBool(1));
  EXPECT_EQ(batch.column(1).GetInt32(2), 20);
  EXPECT_EQ(batch.column(2).GetInt64(1), int64_t{1} << 41);
  EXPECT_DOUBLE_EQ(batch.column(3).GetFloat64(2), 2.5);
  EXPECT_EQ(batch.column(4).GetString(1), "平安银行");
  EXPECT_EQ(batch.column(4).GetString(2), "row2");
  EXPECT_EQ(batch.column(5).GetValue(0).ToString(), "2024-01-01");
  EXPECT_EQ(batch.column(6).GetValue(1).ToString(), "2024-01-01 00:00:00.000001");
  EXPECT_EQ(batch.column(7).GetValue(0).ToString(), "12.34");
  EXPECT_EQ(batch.column(4).arena().size(), std::string("row0平安银行row2").size());
}

TEST(ColumnTest, NullBitmapIsLazyAndExact) {
  Column c(LogicalType::Int64());
  for (int i = 0; i < 70; ++i) c.AppendInt64(i);
  EXPECT_TRUE(c.validity_bits().empty());
  c.AppendNull();
  for (int i = 0; i < 70; ++i) {
    if (i % 3 == 0) c.AppendNull();
    else c.AppendInt64(i);
  }
  EXPECT_EQ(c.size(), 141u);
  EXPECT_EQ(c.null_count(), 1u + 24u);
  for (size_t i = 0; i < 70; ++i) EXPECT_TRUE(c.IsValid(i)) << i;
  EXPECT_FALSE(c.IsValid(70));
  for (size_t i = 0; i < 70; ++i) EXPECT_EQ(c.IsValid(71 + i), i % 3 != 0) << i;
  EXPECT_TRUE(c.GetValue(70).is_null());
}

TEST(ColumnTest, NullAtExactWordBoundary) {
  Column c(LogicalType::String());
  for (int i = 0; i < 64; ++i) c.AppendString("x");
  c.AppendNull();
  c.AppendString("y");
  EXPECT_TRUE(c.IsValid(63));
  EXPECT_FALSE(c.IsValid(64));
  EXPECT_TRUE(c.IsValid(65));
  EXPECT_EQ(c.GetString(65), "y");
  EXPECT_EQ(c.GetString(64), "");
}

TEST(ColumnTest, AppendValueConvertsOnlyLosslessly) {
  Column f(LogicalType::Float64());
  ASSERT_TRUE(f.AppendValue(Value::Int64(3)));
  EXPECT_DOUBLE_EQ(f.GetFloat64(0), 3.0);
  Column i(LogicalType::Int32());
  auto st = i.AppendValue(Value::String("x"));
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().kind(), ErrorKind::kInvalidInput);
  EXPECT_NE(st.error().message().find("int32"), std::string::npos);
}

TEST(ColumnBatchTest, ValidateCatchesRaggedColumns) {
  ColumnBatch batch(MakeSchema());
  batch.column(0).AppendBool(true);
  auto st = batch.Validate();
  ASSERT_FALSE(st);
  EXPECT_NE(st.error().message().find("'i' has 0 rows"), std::string::npos);
}

TEST(ColumnBatchTest, SliceCopiesValuesAndNulls) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"s", LogicalType::String()}, {"x", LogicalType::Int32()}});
  ColumnBatch batch(schema);
  for (int r = 0; r < 10; ++r) {
    if (r == 5) batch.column(0).AppendNull();
    else batch.column(0).AppendString(std::string(r, 'a'));
    batch.column(1).AppendInt32(r);
  }
  ColumnBatch s = batch.Slice(4, 7);
  ASSERT_EQ(s.num_rows(), 3u);
  EXPECT_EQ(s.column(0).GetString(0), "aaaa");
  EXPECT_FALSE(s.column(0).IsValid(1));
  EXPECT_EQ(s.column(0).GetString(2), "aaaaaa");
  EXPECT_EQ(s.column(1).GetInt32(2), 6);
}

}  // namespace
}  // namespace datasync::core
