// RepairJsonValues: the values a strict JSON parser refuses, repaired with their offsets and paths; text
// that is broken otherwise (cut short, not JSON) is not repaired.
#include "datasource/json_repair.hpp"

#include <gtest/gtest.h>

#include "datasource/untrusted_text.hpp"

namespace datasync::datasource {
namespace {

using Kind = JsonRepair::Kind;

TEST(JsonRepairTest, HugeNumbersAreQuotedWithTheirPathAndOffset) {
  std::string text =
      R"({"data":{"fields":["a","b"],"items":[[1,2],[18446744073709551615,-9223372036854775809]]},"x":1e400})";
  auto r = RepairJsonValues(text);
  ASSERT_TRUE(r);
  EXPECT_EQ(
      r->text,
      R"({"data":{"fields":["a","b"],"items":[[1,2],[18446744073709551615,"-9223372036854775809"]]},"x":"1e400"})");
  ASSERT_EQ(r->repairs.size(), 2u);
  EXPECT_EQ(r->repairs[0].kind, Kind::kHugeNumber);
  EXPECT_EQ(r->repairs[0].offset, text.find("-9223372036854775809"));
  EXPECT_EQ(r->repairs[0].PathText(), "data.items[1][1]");
  EXPECT_EQ(r->repairs[0].What(), "an integer beyond 64 bits (-9223372036854775809)");
  EXPECT_EQ(r->repairs[1].PathText(), "x");
  EXPECT_EQ(r->repairs[1].What(), "a number beyond float64's range (1e400)");
}

TEST(JsonRepairTest, BadTextInStringsIsReplacedOncePerStringAndKeysAreMarked) {
  std::string text = "{\"k\\u00e9\xFF\":[\"ok\",\"a\xC0\xAF\xFF\",\"\\udc80\\ud83d\\ude00\",\"t\x01\"]}";
  auto r = RepairJsonValues(text);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->text,
            "{\"k\\u00e9\xEF\xBF\xBD\":[\"ok\",\"a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\","
            "\"\\ufffd\\ud83d\\ude00\",\"t\\u0001\"]}");
  ASSERT_EQ(r->repairs.size(), 4u);
  EXPECT_TRUE(r->repairs[0].in_key);
  EXPECT_EQ(r->repairs[0].offset, text.find('\xFF'));
  EXPECT_EQ(r->repairs[1].kind, Kind::kInvalidUtf8);
  EXPECT_EQ(r->repairs[1].offset, text.find('\xC0'));
  EXPECT_EQ(r->repairs[1].PathText(), "k\\u00e9\xEF\xBF\xBD[1]");
  EXPECT_EQ(r->repairs[2].PathText(), "k\\u00e9\xEF\xBF\xBD[2]");
  EXPECT_EQ(r->repairs[3].kind, Kind::kControlCharacter);
}

TEST(JsonRepairTest, NothingToRepairIsNullopt) {
  for (std::string text : {std::string(R"({"a":[1,-2,3.5e10,"\ud83d\ude00 平安"]})"), std::string(R"({"a":[1,"x)"),
                           std::string("<html>\xFF</html>"), std::string("")}) {
    EXPECT_FALSE(RepairJsonValues(text)) << text;
  }
}

TEST(EscapeControlsTest, ControlCharactersAndBadBytesBecomeEscapes) {
  EXPECT_EQ(EscapeControls("ts_code"), "ts_code");
  EXPECT_EQ(EscapeControls("平安"), "平安");
  EXPECT_EQ(EscapeControls("\x1b[31mred\nx\\y\t\x7f"), "\\x1b[31mred\\nx\\\\y\\t\\x7f");
  EXPECT_EQ(EscapeControls("a\xC2\x85"
                           "b\xFF"),
            "a\\u0085b\\xff");
  EXPECT_EQ(EscapeControls(std::string(300, 'x')).size(), 200u + std::string("…").size());
}

}  // namespace
}  // namespace datasync::datasource
