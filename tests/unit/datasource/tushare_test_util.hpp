// Shared helpers for the Tushare tests: wire fixtures from tests/data/tushare and catalog lookups.
#pragma once

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "datasource/tushare/catalog.hpp"

namespace datasync::datasource::tushare::testing {

// The fixtures of the source tree the test was built from (DATASYNC_TEST_DATA_DIR: tests/unit/CMakeLists.txt).
inline std::string FixturePath(const std::string& name) {
  return std::string(DATASYNC_TEST_DATA_DIR) + "/tushare/" + name;
}

inline std::string ReadFixture(const std::string& name) {
  std::ifstream in(FixturePath(name), std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << FixturePath(name);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline Dataset BuiltinDataset(const std::string& api) {
  for (auto& d : BuiltinDatasets("tushare")) {
    if (d.api == api) return d;
  }
  ADD_FAILURE() << "no built-in dataset " << api;
  return {};
}

}  // namespace datasync::datasource::tushare::testing
