#include "harness/golden.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace datasync::harness {

namespace {
bool update_golden = false;
}  // namespace

void SetUpdateGolden(bool update) {
  update_golden = update;
}

void ExpectGolden(const std::string& actual, const std::string& path) {
  if (update_golden) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << actual;
    out.close();
    EXPECT_TRUE(out) << "cannot write golden file " << path;
    std::printf("golden file rewritten: %s\n", path.c_str());
    return;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read golden file " << path << " (scripts/update-golden.sh writes it; review it)";
    return;
  }
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(actual, expected.str()) << "golden file " << path
                                    << " differs (scripts/update-golden.sh rewrites it; review the diff)";
}

}  // namespace datasync::harness
