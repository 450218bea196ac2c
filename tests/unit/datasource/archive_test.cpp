// Unpacking downloaded files: a zip's one member or the one picked, gzip with several members, and every
// damaged, ambiguous or oversized archive refused with a classified error instead of a shorter text.
#include "datasource/files/archive.hpp"

#include <gtest/gtest.h>

#include "file_test_util.hpp"

namespace datasync::datasource::files {
namespace {

using core::ErrorKind;
using testing::Gzip;
using testing::MakeZip;

constexpr size_t kLimit = 1 << 20;

TEST(ArchiveTest, KindFollowsTheName) {
  EXPECT_EQ(ArchiveKindOfName("BTCUSDT-1h-2024-01-02.zip"), ArchiveKind::kZip);
  EXPECT_EQ(ArchiveKindOfName("a.CSV.GZ"), ArchiveKind::kGzip);
  EXPECT_EQ(ArchiveKindOfName("a.csv"), ArchiveKind::kNone);
}

TEST(ArchiveTest, ReadsTheOneMemberOfAZip) {
  std::string text = "1,2,3\n4,5,6\n";
  auto out = Unpack(MakeZip({{"BTCUSDT-1h-2024-01-02.csv", text}}), ArchiveKind::kZip, "f.zip", kLimit);
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_EQ(out->text, text);
  EXPECT_EQ(out->member, "BTCUSDT-1h-2024-01-02.csv");
}

TEST(ArchiveTest, PicksTheOnlyCsvOrTheNamedMember) {
  std::string zip = MakeZip({{"README.txt", "about"}, {"data.csv", "a\n"}, {"dir/", ""}});
  auto only_csv = Unpack(zip, ArchiveKind::kZip, "f.zip", kLimit);
  ASSERT_TRUE(only_csv) << only_csv.error().ToString();
  EXPECT_EQ(only_csv->text, "a\n");
  auto named = Unpack(zip, ArchiveKind::kZip, "f.zip", kLimit, "README.txt");
  ASSERT_TRUE(named);
  EXPECT_EQ(named->text, "about");

  auto missing = Unpack(zip, ArchiveKind::kZip, "f.zip", kLimit, "other.csv");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind(), ErrorKind::kPermanent);
  EXPECT_NE(missing.error().message().find("no member 'other.csv' (it holds README.txt, data.csv"), std::string::npos)
      << missing.error().message();

  auto two = Unpack(MakeZip({{"a.csv", "1"}, {"b.csv", "2"}}), ArchiveKind::kZip, "f.zip", kLimit);
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message().find("several .csv members (a.csv, b.csv)"), std::string::npos)
      << two.error().message();
}

TEST(ArchiveTest, ACutOrCorruptZipIsTransient) {
  std::string text(5000, 'x');
  for (size_t i = 0; i < text.size(); i += 7) text[i] = static_cast<char>('a' + i % 26);
  std::string zip = MakeZip({{"d.csv", text}});
  auto cut = Unpack(zip.substr(0, zip.size() / 2), ArchiveKind::kZip, "f.zip", kLimit);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().kind(), ErrorKind::kTransient);
  EXPECT_EQ(cut.error().code(), "bad_archive");
  EXPECT_NE(cut.error().message().find("f.zip: not a readable zip archive"), std::string::npos);

  // A byte of the compressed data flipped: the CRC (or inflate) catches it; never a different text.
  std::string damaged = zip;
  damaged[60] = static_cast<char>(damaged[60] ^ 0x55);
  auto bad = Unpack(damaged, ArchiveKind::kZip, "f.zip", kLimit);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind(), ErrorKind::kTransient) << bad.error().ToString();
}

TEST(ArchiveTest, ABombStopsAtTheLimit) {
  std::string big(4 << 20, '0');  // 4 MiB of zeros deflate to a few KiB
  auto zip = Unpack(MakeZip({{"d.csv", big}}), ArchiveKind::kZip, "f.zip", kLimit);
  ASSERT_FALSE(zip);
  EXPECT_EQ(zip.error().code(), "archive_too_large");
  auto gz = Unpack(Gzip(big), ArchiveKind::kGzip, "f.csv.gz", kLimit);
  ASSERT_FALSE(gz);
  EXPECT_EQ(gz.error().code(), "archive_too_large");
}

TEST(ArchiveTest, GzipMembersReadAsOneTextAndACutStreamIsTransient) {
  auto out = Unpack(Gzip("a,b\n") + Gzip("1,2\n"), ArchiveKind::kGzip, "f.csv.gz", kLimit);
  ASSERT_TRUE(out) << out.error().ToString();
  EXPECT_EQ(out->text, "a,b\n1,2\n");
  std::string gz = Gzip(std::string(3000, 'q') + "tail");
  auto cut = Unpack(gz.substr(0, gz.size() - 6), ArchiveKind::kGzip, "f.csv.gz", kLimit);
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().kind(), ErrorKind::kTransient);
  auto garbage = Unpack("<html>not found</html>", ArchiveKind::kGzip, "f.csv.gz", kLimit);
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind(), ErrorKind::kTransient);
}

TEST(ArchiveTest, PlainTextPassesThrough) {
  auto out = Unpack("x,y\n", ArchiveKind::kNone, "f.csv", kLimit);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->text, "x,y\n");
}

}  // namespace
}  // namespace datasync::datasource::files
