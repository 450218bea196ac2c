// Helpers for the metadata tests: a fresh folder per test, a clock, and raw SQLite access for looking at
// (or tampering with) the file behind the stores' back (the last two from unit/db/sqlite_test_util.hpp).
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"
#include "metadata/system_db.hpp"
#include "unit/db/sqlite_test_util.hpp"

namespace datasync::metadata::testing {

// 2026-11-21T00:00:00Z.
inline constexpr int64_t kStartUs = 1'795'219'200'000'000;

using db::sqlite::testing::RawDb;
using db::sqlite::testing::TempDir;

inline std::unique_ptr<SystemDb> OpenOrDie(const std::string& location, const core::Clock& clock) {
  auto db = sqlite::OpenSqliteSystemDb(location, clock);
  EXPECT_TRUE(db) << (db ? "" : db.error().ToString());
  return db ? std::move(*db) : nullptr;
}

}  // namespace datasync::metadata::testing
