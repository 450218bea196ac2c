// JSON Lines specifics: exact bytes of a line (key order, number forms, strings for decimals and dates,
// null for non-finite floats) and repair of text that is not UTF-8.
#include <gtest/gtest.h>

#include <climits>
#include <cmath>
#include <nlohmann/json.hpp>

#include "sink_test_support.hpp"
#include "storage/jsonl/jsonl_format.hpp"

namespace datasync::storage::testing {
namespace {

using core::LogicalType;
using core::Value;

std::string Encode(const core::SchemaPtr& schema, const std::vector<Row>& rows) {
  jsonl::JsonlFormat format;
  auto batch = MakeBatch(schema, rows);
  auto writer = format.NewWriter(*schema);
  std::string out;
  EXPECT_TRUE(writer->Begin(out));
  std::vector<uint32_t> all(rows.size());
  for (uint32_t i = 0; i < all.size(); ++i) all[i] = i;
  EXPECT_TRUE(writer->WriteRows(batch, all, out));
  EXPECT_TRUE(writer->End(out));
  return out;
}

TEST(JsonlFormatTest, OneObjectPerLineInSchemaOrder) {
  auto schema = MakeSchema({{"z", LogicalType::Int64()},
                            {"a", LogicalType::Float64()},
                            {"b", LogicalType::Bool()},
                            {"m", LogicalType::Decimal(12, 2)},
                            {"d", LogicalType::Date()},
                            {"t", LogicalType::Timestamp()},
                            {"s", LogicalType::String()},
                            {"say \"hi\"\n", LogicalType::Int32()}});
  std::vector<Row> rows = {
      {Value::Int64(INT64_MIN), Value::Float64(0.1), Value::Bool(true), Dec(-12345, 12, 2), DateOf(2024, 1, 2),
       TsOf(2024, 1, 2, 9, 30, 0, 5), Value::String("平安\t\"q\"\\"), Value::Int32(-1)},
      {Value::Int64(INT64_MAX), Value::Float64(-0.0), Value::Bool(false), Dec(5, 12, 2), DateOf(1900, 1, 1),
       TsOf(1970, 1, 1, 0, 0, 0), Value::String("\x01"), Value::Null(LogicalType::Int32())},
      {Value::Null(LogicalType::Int64()), Value::Float64(std::nan("")), Value::Null(LogicalType::Bool()),
       Value::Null(LogicalType::Decimal(12, 2)), Value::Null(LogicalType::Date()),
       Value::Null(LogicalType::Timestamp()), Value::Null(LogicalType::String()), Value::Int32(0)},
      {Value::Int64(0), Value::Float64(INFINITY), Value::Bool(true), Dec(0, 12, 2), DateOf(2099, 12, 31),
       TsOf(2024, 1, 1, 0, 0, 0), Value::String(""), Value::Int32(1)},
      {Value::Int64(1), Value::Float64(1e300), Value::Bool(true), Dec(100, 12, 2), DateOf(2024, 1, 1),
       TsOf(2024, 1, 1, 0, 0, 0), Value::String("x"), Value::Int32(2)},
  };
  EXPECT_EQ(Encode(schema, rows),
            "{\"z\":-9223372036854775808,\"a\":0.1,\"b\":true,\"m\":\"-123.45\",\"d\":\"2024-01-02\","
            "\"t\":\"2024-01-02 09:30:00.000005\",\"s\":\"平安\\t\\\"q\\\"\\\\\",\"say \\\"hi\\\"\\n\":-1}\n"
            "{\"z\":9223372036854775807,\"a\":-0.0,\"b\":false,\"m\":\"0.05\",\"d\":\"1900-01-01\","
            "\"t\":\"1970-01-01 00:00:00\",\"s\":\"\\u0001\",\"say \\\"hi\\\"\\n\":null}\n"
            "{\"z\":null,\"a\":null,\"b\":null,\"m\":null,\"d\":null,\"t\":null,\"s\":null,\"say \\\"hi\\\"\\n\":0}\n"
            "{\"z\":0,\"a\":null,\"b\":true,\"m\":\"0.00\",\"d\":\"2099-12-31\",\"t\":\"2024-01-01 00:00:00\","
            "\"s\":\"\",\"say \\\"hi\\\"\\n\":1}\n"
            "{\"z\":1,\"a\":1e+300,\"b\":true,\"m\":\"1.00\",\"d\":\"2024-01-01\",\"t\":\"2024-01-01 00:00:00\","
            "\"s\":\"x\",\"say \\\"hi\\\"\\n\":2}\n");
}

// -0.0 must reach parsers as a negative float: "-0" (the shortest text) reads as the integer 0 in Python's
// json and in nlohmann, and the sign is lost. Our line, read by both.
TEST(JsonlFormatTest, NegativeZeroIsWrittenSoParsersKeepItsSign) {
  auto schema = MakeSchema({{"f", LogicalType::Float64()}});
  std::string line = Encode(schema, {{Value::Float64(-0.0)}});
  EXPECT_EQ(line, "{\"f\":-0.0}\n");
  auto j = nlohmann::json::parse(line, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << line;
  ASSERT_TRUE(j["f"].is_number_float()) << line;
  EXPECT_TRUE(std::signbit(j["f"].get<double>())) << line;
  std::string out;
  ASSERT_EQ(RunProcess({"/usr/bin/python3", "-c",
                        "import json, math, sys; v = json.loads(sys.argv[1])['f']; "
                        "print(type(v).__name__, math.copysign(1.0, v))",
                        line},
                       out),
            0)
      << out;
  EXPECT_EQ(out, "float -1.0\n") << "python's json reads " << line;
}

TEST(JsonlFormatTest, InvalidUtf8IsReplacedSoEveryLineParses) {
  auto schema = MakeSchema({{"s", LogicalType::String()}});
  std::string bad = std::string("ok\xff") + "\xe5\xb9" + "end" + "\xc0\xaf";
  std::string line = Encode(schema, {{Value::String(bad)}});
  auto j = nlohmann::json::parse(line, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << line;
  EXPECT_EQ(j["s"].get<std::string>(), "ok\uFFFD\uFFFD\uFFFDend\uFFFD\uFFFD");
  std::string good;
  jsonl::AppendJsonText(good, "平安银行 😀");
  EXPECT_EQ(good, "\"平安银行 😀\"");
}

}  // namespace
}  // namespace datasync::storage::testing
