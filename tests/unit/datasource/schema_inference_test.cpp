// Schema inference shared by doc importers, and the untrusted-text helpers they clean page text with.
#include "datasource/schema_inference.hpp"

#include <gtest/gtest.h>

#include <array>

#include "datasource/untrusted_text.hpp"

namespace datasync::datasource {
namespace {

TEST(SchemaInferenceTest, KeysComeFromTheCallersCandidatesInOrder) {
  static constexpr std::array<std::string_view, 2> kCodes = {"symbol", "venue"};
  static constexpr std::array<std::string_view, 2> kDates = {"day", "as_of"};
  static constexpr std::array<std::string_view, 1> kDateOnly = {"venue"};
  std::vector<std::string> pk;
  std::string date_key;
  ProposeKeys({"as_of", "symbol", "day"}, {kCodes, kDates, kDateOnly}, pk, date_key);
  EXPECT_EQ(date_key, "day");
  EXPECT_EQ(pk, (std::vector<std::string>{"symbol", "day"}));
  // A date-only code is a key beside a date, never alone.
  ProposeKeys({"venue", "price"}, {kCodes, kDates, kDateOnly}, pk, date_key);
  EXPECT_TRUE(pk.empty());
  EXPECT_EQ(date_key, "");
  ProposeKeys({"venue", "as_of"}, {kCodes, kDates, kDateOnly}, pk, date_key);
  EXPECT_EQ(pk, (std::vector<std::string>{"venue", "as_of"}));
}

TEST(SchemaInferenceTest, UnknownTypesAreStringsWithANote) {
  std::string note;
  EXPECT_EQ(InferFieldType("x", "blob\x01", "", &note), core::LogicalType::String());
  EXPECT_EQ(note, "field 'x' has type 'blob'; stored as string");
  EXPECT_EQ(InferFieldType("amount", "decimal", "", nullptr), core::LogicalType::Float64());
}

TEST(UntrustedTextTest, CleanTextCapsAtACharacterBoundary) {
  EXPECT_EQ(CleanText("\t a \u3000 b\n"), "a b");
  EXPECT_EQ(CleanText("日本", 4), "日");
  EXPECT_TRUE(IsIdentifier("_a1"));
  EXPECT_FALSE(IsIdentifier("1a"));
  EXPECT_FALSE(IsIdentifier(std::string(kMaxIdentifierBytes + 1, 'a')));
}

}  // namespace
}  // namespace datasync::datasource
