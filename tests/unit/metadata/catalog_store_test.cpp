// CatalogStore over every backend (store_compliance.hpp): created / unchanged / updated, history, listing and removal.
#include <gtest/gtest.h>

#include "core/strings.hpp"
#include "store_compliance.hpp"

namespace datasync::metadata {
namespace {

using testing::StoreComplianceTest;

class CatalogStoreTest : public StoreComplianceTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(StoreComplianceTest::SetUp());
    db_ = Open();
    ASSERT_TRUE(db_);
  }
  CatalogStore& catalog() { return db_->catalog(); }

  StoredObject GetOrDie(ObjectKind kind, std::string_view name) {
    auto got = catalog().Get(kind, name);
    EXPECT_TRUE(got && *got) << name;
    return got && *got ? **got : StoredObject{};
  }

  std::unique_ptr<SystemDb> db_;
};

constexpr std::string_view kSpecV1 = R"({"api":"daily","fields":["ts_code","close"]})";
constexpr std::string_view kSpecV2 = R"({"api":"daily","fields":["ts_code","close","vol"]})";

TEST_P(CatalogStoreTest, PutCreatesThenReportsUnchangedWithoutWriting) {
  auto created = catalog().Put(ObjectKind::kDataset, "daily", kSpecV1);
  ASSERT_TRUE(created) << created.error().ToString();
  EXPECT_EQ(*created, PutOutcome::kCreated);
  StoredObject v1 = GetOrDie(ObjectKind::kDataset, "daily");
  EXPECT_EQ(v1.kind, ObjectKind::kDataset);
  EXPECT_EQ(v1.name, "daily");
  EXPECT_EQ(v1.spec_json, kSpecV1);
  EXPECT_EQ(v1.spec_hash, core::Hex64(core::Fnv1a64(kSpecV1)));
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.created_at_us, testing::kStartUs);
  EXPECT_EQ(v1.updated_at_us, testing::kStartUs);

  // The write stamp changes when another connection commits a change.
  std::string data_version = target().WriteStamp();
  clock_.Advance(std::chrono::minutes(5));
  auto again = catalog().Put(ObjectKind::kDataset, "daily", kSpecV1);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, PutOutcome::kUnchanged);
  StoredObject still = GetOrDie(ObjectKind::kDataset, "daily");
  EXPECT_EQ(still.version, 1);
  EXPECT_EQ(still.updated_at_us, testing::kStartUs);
  EXPECT_EQ(target().Query("SELECT count(*) FROM catalog_history"), "0");
  EXPECT_EQ(target().WriteStamp(), data_version);

  ASSERT_TRUE(catalog().Put(ObjectKind::kDataset, "daily", kSpecV2));
  EXPECT_NE(target().WriteStamp(), data_version);
}

TEST_P(CatalogStoreTest, ChangedSpecBumpsVersionAndKeepsHistory) {
  ASSERT_TRUE(catalog().Put(ObjectKind::kDataset, "daily", kSpecV1));
  clock_.Advance(std::chrono::hours(1));
  auto updated = catalog().Put(ObjectKind::kDataset, "daily", kSpecV2);
  ASSERT_TRUE(updated);
  EXPECT_EQ(*updated, PutOutcome::kUpdated);
  StoredObject v2 = GetOrDie(ObjectKind::kDataset, "daily");
  EXPECT_EQ(v2.version, 2);
  EXPECT_EQ(v2.spec_json, kSpecV2);
  EXPECT_EQ(v2.spec_hash, core::Hex64(core::Fnv1a64(kSpecV2)));
  EXPECT_EQ(v2.created_at_us, testing::kStartUs);
  EXPECT_EQ(v2.updated_at_us, testing::kStartUs + 3'600'000'000);

  clock_.Advance(std::chrono::hours(1));
  ASSERT_TRUE(catalog().Put(ObjectKind::kDataset, "daily", kSpecV1));  // back to the first spec: still new
  auto history = catalog().History(ObjectKind::kDataset, "daily");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[0].version, 1);
  EXPECT_EQ((*history)[0].spec_json, kSpecV1);
  EXPECT_EQ((*history)[0].updated_at_us, testing::kStartUs);
  EXPECT_EQ((*history)[1].version, 2);
  EXPECT_EQ((*history)[1].spec_json, kSpecV2);
  EXPECT_EQ((*history)[2].version, 3);
  EXPECT_EQ((*history)[2].spec_json, kSpecV1);
  EXPECT_EQ((*history)[2].updated_at_us, testing::kStartUs + 7'200'000'000);
  for (const auto& h : *history) EXPECT_EQ(h.created_at_us, testing::kStartUs);
}

TEST_P(CatalogStoreTest, ListIsByNameAndPerKind) {
  ASSERT_TRUE(catalog().Put(ObjectKind::kPlan, "weekly", "{}"));
  ASSERT_TRUE(catalog().Put(ObjectKind::kPlan, "daily", "{}"));
  ASSERT_TRUE(catalog().Put(ObjectKind::kPlan, "monthly", "{}"));
  ASSERT_TRUE(catalog().Put(ObjectKind::kStorage, "daily", R"({"kind":"parquet"})"));
  auto plans = catalog().List(ObjectKind::kPlan);
  ASSERT_TRUE(plans);
  ASSERT_EQ(plans->size(), 3u);
  EXPECT_EQ((*plans)[0].name, "daily");
  EXPECT_EQ((*plans)[1].name, "monthly");
  EXPECT_EQ((*plans)[2].name, "weekly");
  auto storages = catalog().List(ObjectKind::kStorage);
  ASSERT_TRUE(storages);
  ASSERT_EQ(storages->size(), 1u);
  EXPECT_EQ((*storages)[0].spec_json, R"({"kind":"parquet"})");
  EXPECT_EQ((*storages)[0].kind, ObjectKind::kStorage);
  auto sources = catalog().List(ObjectKind::kSource);
  ASSERT_TRUE(sources);
  EXPECT_TRUE(sources->empty());
  auto missing = catalog().Get(ObjectKind::kSource, "daily");
  ASSERT_TRUE(missing);
  EXPECT_FALSE(*missing);
}

TEST_P(CatalogStoreTest, RemoveKeepsHistoryAndRecreatingContinuesVersions) {
  ASSERT_TRUE(catalog().Put(ObjectKind::kSource, "tushare", R"({"token":"${TUSHARE_TOKEN}"})"));
  ASSERT_TRUE(catalog().Put(ObjectKind::kSource, "tushare", R"({"token":"${TS_TOKEN}"})"));
  ASSERT_TRUE(catalog().Put(ObjectKind::kSource, "other", "{}"));

  auto removed = catalog().Remove(ObjectKind::kSource, "tushare");
  ASSERT_TRUE(removed);
  EXPECT_TRUE(*removed);
  auto gone = catalog().Get(ObjectKind::kSource, "tushare");
  ASSERT_TRUE(gone);
  EXPECT_FALSE(*gone);
  auto again = catalog().Remove(ObjectKind::kSource, "tushare");
  ASSERT_TRUE(again);
  EXPECT_FALSE(*again);
  auto list = catalog().List(ObjectKind::kSource);
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].name, "other");

  auto history = catalog().History(ObjectKind::kSource, "tushare");
  ASSERT_TRUE(history);
  ASSERT_EQ(history->size(), 2u);
  EXPECT_EQ((*history)[1].spec_json, R"({"token":"${TS_TOKEN}"})");

  auto recreated = catalog().Put(ObjectKind::kSource, "tushare", "{}");
  ASSERT_TRUE(recreated);
  EXPECT_EQ(*recreated, PutOutcome::kCreated);
  EXPECT_EQ(GetOrDie(ObjectKind::kSource, "tushare").version, 3);
  auto all = catalog().History(ObjectKind::kSource, "tushare");
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].spec_json, "{}");
}

TEST_P(CatalogStoreTest, EmptyNameIsRejected) {
  auto put = catalog().Put(ObjectKind::kPlan, "", "{}");
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().kind(), core::ErrorKind::kInvalidInput);
}

INSTANTIATE_STORE_SUITE(CatalogStoreTest);

}  // namespace
}  // namespace datasync::metadata
