#include "core/column_batch.hpp"

#include <gtest/gtest.h>

#include "core/dates.hpp"

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

TEST(ColumnTest, WideDecimalsLiveInTheirOwnBufferExactly) {
  auto schema = std::make_shared<Schema>(std::vector<Field>{{"rev", LogicalType::Decimal(34, 12)},
                                                            {"px", LogicalType::Decimal(18, 4)}});
  ASSERT_EQ(schema->field(0).type.FixedWidth(), 16u);
  ASSERT_EQ(schema->field(1).type.FixedWidth(), 8u);
  ColumnBatch b(schema);
  const Int128 big = *ParseDecimal128("1234567890123456789012.123456789012", 12);
  b.column(0).AppendInt128(big);
  b.column(0).AppendNull();
  b.column(0).AppendDecimal(-big);
  b.column(1).AppendInt64(12345);
  b.column(1).AppendNull();
  b.column(1).AppendDecimal(-1);
  ASSERT_TRUE(b.Validate());
  EXPECT_EQ(b.column(0).int128s().size(), 3u);
  EXPECT_TRUE(b.column(0).int64s().empty());
  EXPECT_TRUE(b.column(1).int128s().empty());  // the narrow path keeps its int64 buffer
  EXPECT_EQ(b.column(0).DecimalText(0), "1234567890123456789012.123456789012");
  EXPECT_EQ(b.column(0).DecimalText(2), "-1234567890123456789012.123456789012");
  EXPECT_EQ(b.column(1).DecimalText(2), "-0.0001");
  EXPECT_EQ(b.column(0).GetValue(0).ToString(), "1234567890123456789012.123456789012");
  EXPECT_TRUE(b.column(0).GetValue(1).is_null());
  EXPECT_EQ(b.column(0).ByteSize(), 3 * 16 + 8u);

  ColumnBatch s = b.Slice(1, 3);
  ASSERT_TRUE(s.Validate());
  EXPECT_FALSE(s.column(0).IsValid(0));
  EXPECT_EQ(s.column(0).GetDecimal(1), -big);
  EXPECT_EQ(s.column(1).GetDecimal(1), -1);

  // Values append back exactly; a value wider than the column's precision is refused.
  Column c(LogicalType::Decimal(34, 12));
  ASSERT_TRUE(c.AppendValue(b.column(0).GetValue(2)));
  EXPECT_EQ(c.GetInt128(0), -big);
  Column narrow(LogicalType::Decimal(18, 12));
  EXPECT_FALSE(narrow.AppendValue(b.column(0).GetValue(0)));
  Column p33(LogicalType::Decimal(33, 12));
  EXPECT_FALSE(p33.AppendValue(b.column(0).GetValue(0)));
}

TEST(LogicalTypeTest, DecimalPrecisionRunsTo38) {
  EXPECT_EQ(LogicalType::Parse("decimal(34,12)"), LogicalType::Decimal(34, 12));
  EXPECT_EQ(LogicalType::Parse("decimal(38,0)"), LogicalType::Decimal(38, 0));
  EXPECT_EQ(LogicalType::Parse("decimal(34,12)")->ToString(), "decimal(34,12)");
  EXPECT_FALSE(LogicalType::Parse("decimal(39,2)"));
  EXPECT_FALSE(LogicalType::Parse("decimal(0,0)"));
  EXPECT_TRUE(LogicalType::Decimal(19, 2).IsWideDecimal());
  EXPECT_FALSE(LogicalType::Decimal(18, 2).IsWideDecimal());
}

}  // namespace
}  // namespace datasync::core
