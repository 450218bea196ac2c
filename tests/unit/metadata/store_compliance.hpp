// The store compliance suite (CONVENTIONS "Tests" 3, as the sink suite is for sinks): the tests of the
// CatalogStore, RunStore (with its task leases), QuotaStore, SlotStore, PlanLeaseStore and MigrationStore
// contracts, written once and run over every system database backend the build registers
// (store_compliance.cpp: CompliantBackends and StoreBackends).
// A new backend (MySQL, PostgreSQL) adds itself to that list and a StoreTarget: how a test gets a fresh,
// empty database of its own, and an independent reader of what the stores wrote.
//
// Each fixture derives from StoreComplianceTest and is instantiated with INSTANTIATE_STORE_SUITE; one CTest
// test per fixture and backend (metadata_test.AllBackends/RunStoreTest/sqlite).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "metadata/system_db.hpp"
#include "metadata/system_db_factory.hpp"
#include "metadata_test_util.hpp"

namespace datasync::metadata::testing {

class StoreTarget {
 public:
  virtual ~StoreTarget() = default;
  // Prepares a fresh, empty database for one test under `dir` (a server backend: a database of its own).
  virtual void SetUp(const TempDir& dir) = 0;
  virtual void TearDown() {}
  // What the factory opens; opening it again is another, independent connection (another process).
  virtual std::string Location() const = 0;
  // Independent reader: the first column of the first row of `sql` as text ("" when there is none), read
  // through the backend's own client, not through the stores.
  virtual std::string Query(const std::string& sql) = 0;
  // A value that changes whenever another connection commits a change (SQLite: PRAGMA data_version of one
  // held connection), to prove that a call wrote nothing.
  virtual std::string WriteStamp() = 0;
};

// The backends every store test runs over, by scheme ("sqlite").
std::vector<std::string> StoreBackends();
// A factory holding exactly those backends.
SystemDbFactory CompliantBackends();
std::unique_ptr<StoreTarget> MakeStoreTarget(const std::string& scheme);

class StoreComplianceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    factory_ = CompliantBackends();
    target_ = MakeStoreTarget(GetParam());
    ASSERT_NE(target_, nullptr) << GetParam() << " has no StoreTarget";
    ASSERT_NO_FATAL_FAILURE(target_->SetUp(dir_));
  }
  void TearDown() override {
    if (target_) target_->TearDown();
  }

  // A new connection to the test's database (several are several processes sharing it).
  std::unique_ptr<SystemDb> Open() {
    auto db = factory_.Open(target_->Location(), {.base_dir = dir_.path(), .clock = &clock_});
    EXPECT_TRUE(db) << (db ? "" : db.error().ToString());
    return db ? std::move(*db) : nullptr;
  }
  core::Result<std::unique_ptr<SystemDb>> OpenResult() {
    return factory_.Open(target_->Location(), {.base_dir = dir_.path(), .clock = &clock_});
  }
  StoreTarget& target() { return *target_; }

  TempDir dir_;
  core::ManualClock clock_{core::FromEpochMicros(kStartUs)};

 private:
  SystemDbFactory factory_;
  std::unique_ptr<StoreTarget> target_;
};

std::string BackendName(const ::testing::TestParamInfo<std::string>& info);

#define INSTANTIATE_STORE_SUITE(Fixture)                                                                              \
  INSTANTIATE_TEST_SUITE_P(AllBackends, Fixture, ::testing::ValuesIn(::datasync::metadata::testing::StoreBackends()), \
                           ::datasync::metadata::testing::BackendName)

}  // namespace datasync::metadata::testing
