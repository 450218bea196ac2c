// The alert messages sent (every backend, store_compliance.hpp): listed newest first from a time on,
// counted, and dropped after 90 days as new ones come.
#include <gtest/gtest.h>

#include "store_compliance.hpp"

namespace datasync::metadata {
namespace {

using testing::kStartUs;

class AlertLogStoreTest : public testing::StoreComplianceTest {};

constexpr int64_t kDayUs = int64_t{86400} * 1'000'000;

SentAlert Sent(int64_t at_us, std::string title, std::string outcome = "sent") {
  return SentAlert{.at_us = at_us,
                   .channel = "ops",
                   .outcome = std::move(outcome),
                   .title = std::move(title),
                   .events = "run_failed,permission",
                   .plans = "daily",
                   .alerts = 2};
}

TEST_P(AlertLogStoreTest, MessagesAreListedNewestFirstFromATimeOn) {
  auto db = Open();
  ASSERT_TRUE(db);
  auto& log = db->alert_log();
  ASSERT_TRUE(log.Append(Sent(kStartUs, "first")));
  ASSERT_TRUE(log.Append(Sent(kStartUs + 10, "second", "failed")));
  ASSERT_TRUE(log.Append(Sent(kStartUs + 20, "third")));
  auto all = log.List(0, 10);
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].title, "third");
  EXPECT_EQ((*all)[1].outcome, "failed");
  EXPECT_EQ((*all)[2].events, "run_failed,permission");
  EXPECT_EQ((*all)[2].alerts, 2);
  EXPECT_EQ(log.List(kStartUs + 10, 10)->size(), 2u);
  EXPECT_EQ(log.List(0, 1)->size(), 1u);
  EXPECT_EQ(*log.Count(kStartUs + 10), 2);
  EXPECT_EQ(*log.Count(kStartUs + 21), 0);
}

TEST_P(AlertLogStoreTest, EntriesOlderThanNinetyDaysGoAsNewOnesCome) {
  auto db = Open();
  ASSERT_TRUE(db);
  auto& log = db->alert_log();
  ASSERT_TRUE(log.Append(Sent(kStartUs, "old")));
  ASSERT_TRUE(log.Append(Sent(kStartUs + 89 * kDayUs, "kept")));
  EXPECT_EQ(*log.Count(0), 2);
  ASSERT_TRUE(log.Append(Sent(kStartUs + 91 * kDayUs, "new")));
  auto all = log.List(0, 10);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1].title, "kept");
}

INSTANTIATE_STORE_SUITE(AlertLogStoreTest);

}  // namespace
}  // namespace datasync::metadata
