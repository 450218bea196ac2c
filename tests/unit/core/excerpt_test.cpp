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

// A secret that straddles the cut: cutting first left its first half, which Redact no longer recognised.
TEST(ExcerptTest, RedactsBeforeCuttingSoNoPieceOfASecretSurvives) {
  const std::string secret = "Straddle-S3cret-0123456789abcdef";
  RegisterSecret(secret);
  for (size_t before : {0u, 1u, 10u, 40u, 70u, 79u}) {
    std::string text = std::string(before, 'x') + secret + " tail";
    std::string e = Excerpt(text, 80);
    EXPECT_EQ(e.find("Straddle"), std::string::npos) << before << ": " << e;
    EXPECT_EQ(e.find("S3cret"), std::string::npos) << before << ": " << e;
    if (before + 3 <= 80) {
      EXPECT_NE(e.find("***"), std::string::npos) << before << ": " << e;
    }
  }
  EXPECT_EQ(Excerpt(std::string(70, 'x') + secret, 80), std::string(70, 'x') + "***");
}

TEST(ExcerptTest, TailIsRedactedBeforeItIsCut) {
  const std::string secret = "Tail-S3cret-fedcba9876543210";
  RegisterSecret(secret);
  EXPECT_EQ(ExcerptTail("short"), "short");
  EXPECT_EQ(ExcerptTail(std::string(50, 'a') + "bcd", 4), "…abcd");
  EXPECT_EQ(ExcerptTail("x\n" + std::string(10, 'y'), 40), "x " + std::string(10, 'y'));
  // The secret's last bytes inside the tail's window, its start before it.
  std::string text = "{\"token\":\"" + secret + "\",\"data\":[1,2";
  std::string e = ExcerptTail(text, 24);
  EXPECT_EQ(e.find("3cret"), std::string::npos) << e;
  EXPECT_EQ(e.find("fedcba"), std::string::npos) << e;
  EXPECT_EQ(e.find("543210"), std::string::npos) << e;
  EXPECT_EQ(ExcerptTail("\xE5\x8D\x8E\xE5\x8D\x8E", 4), "…华");  // starts on a character
}

}  // namespace
}  // namespace datasync::core
