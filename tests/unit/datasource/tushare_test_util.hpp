// Shared helpers for the Tushare tests: wire fixtures from tests/data/tushare and catalog lookups.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "datasource/tushare/catalog.hpp"

namespace datasync::datasource::tushare::testing {

// ctest passes DATASYNC_TEST_DATA; a binary run by hand falls back to the source tree it was built from.
inline std::string FixturePath(const std::string& name) {
  const char* env = std::getenv("DATASYNC_TEST_DATA");
  std::string root = env && *env ? std::string(env) : std::string(DATASYNC_SOURCE_TEST_DATA);
  return root + "/tushare/" + name;
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
