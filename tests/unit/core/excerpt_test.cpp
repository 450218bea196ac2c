#include "core/excerpt.hpp"

#include <gtest/gtest.h>

#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::core {
namespace {

TEST(ExcerptTest, CutsOnCharacterBoundariesAndMarksTheCut) {
  EXPECT_EQ(Excerpt("short"), "short");
  EXPECT_EQ(Excerpt("a\nb\tc"), "a b c");
  std::string chinese;
  for (int i = 0; i < 40; ++i) chinese += "停";  // 3 bytes each
  std::string e = Excerpt(chinese, 80);
  EXPECT_TRUE(IsValidUtf8(e));
  EXPECT_EQ(e, chinese.substr(0, 78) + "…");
  // Bytes that are not UTF-8 (a body cut inside a character) come out as U+FFFD.
  EXPECT_EQ(Excerpt("\xE5\x8D\x8E\xE6\xB6"), "华\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(Excerpt("a\xFF"
                    "b\xC0\xAF"),
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(IsValidUtf8(Excerpt("\xF0\x9F\x98")));
  RegisterSecret("sekrit-value-42");
  EXPECT_EQ(Excerpt("token=sekrit-value-42"), "token=***");
}

}  // namespace
}  // namespace datasync::core
