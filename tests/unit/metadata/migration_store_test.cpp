// The record of storage migrations (every backend, store_compliance.hpp): what Record stores comes back from List
// newest first, per storage, with the clock's time, and survives reopening the database.
#include <gtest/gtest.h>

#include "store_compliance.hpp"

namespace datasync::metadata {
namespace {

using testing::kStartUs;

class MigrationStoreTest : public testing::StoreComplianceTest {};

AppliedMigration Step(std::string storage, std::string change, bool destructive) {
  AppliedMigration m;
  m.storage = std::move(storage);
  m.dataset = "daily";
  m.dataset_version = 2;
  m.table = "public.daily";
  m.dialect = "postgres";
  m.change = std::move(change);
  m.description = "add column \"vwap\" float64";
  m.statements = "ALTER TABLE \"public\".\"daily\" ADD COLUMN \"vwap\" double precision;\n";
  m.destructive = destructive;
  m.applied_by = destructive ? "migrate" : "run";
  m.run_id = destructive ? 0 : 7;
  return m;
}

TEST_P(MigrationStoreTest, RecordsAndListsNewestFirst) {
  {
    auto db = Open();
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->migrations().Record({Step("pg", "add_column", false), Step("pg", "widen_column", false)}));
    clock_.Advance(std::chrono::seconds(5));
    ASSERT_TRUE(db->migrations().Record({Step("ch", "drop_column", true)}));
    ASSERT_TRUE(db->migrations().Record({}));
  }
  auto db = Open();
  ASSERT_TRUE(db);
  auto all = db->migrations().List("", 0);
  ASSERT_TRUE(all) << all.error().ToString();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].storage, "ch");
  EXPECT_EQ((*all)[0].change, "drop_column");
  EXPECT_TRUE((*all)[0].destructive);
  EXPECT_EQ((*all)[0].applied_by, "migrate");
  EXPECT_EQ((*all)[0].applied_at_us, kStartUs + 5'000'000);
  EXPECT_EQ((*all)[2].change, "add_column");
  EXPECT_EQ((*all)[2].run_id, 7);
  EXPECT_EQ((*all)[2].dataset_version, 2);
  EXPECT_EQ((*all)[2].statements, Step("pg", "", false).statements);
  EXPECT_EQ((*all)[2].applied_at_us, kStartUs);
  EXPECT_GT((*all)[0].id, (*all)[1].id);

  auto pg = db->migrations().List("pg", 1);
  ASSERT_TRUE(pg);
  ASSERT_EQ(pg->size(), 1u);
  EXPECT_EQ((*pg)[0].change, "widen_column");
}

INSTANTIATE_STORE_SUITE(MigrationStoreTest);

}  // namespace
}  // namespace datasync::metadata
