// Golden files change only on request: not when DATASYNC_UPDATE_GOLDEN (which once switched a run to
// rewriting) or anything else happens to be set in the environment.
#include "harness/golden.hpp"

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace datasync::harness {
namespace {

namespace fs = std::filesystem;

class GoldenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "datasync-golden-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = (dir_ / "page.golden.json").string();
    std::ofstream(path_, std::ios::binary) << "{\"api\": \"daily\"}\n";
  }
  void TearDown() override {
    SetUpdateGolden(false);
    ::unsetenv("DATASYNC_UPDATE_GOLDEN");
    fs::remove_all(dir_);
  }
  std::string Golden() const {
    std::ifstream in(path_, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(GoldenTest, ADifferenceFailsAndLeavesTheFileAsItWasWhateverTheEnvironmentSays) {
  ::setenv("DATASYNC_UPDATE_GOLDEN", "1", 1);
  EXPECT_NONFATAL_FAILURE(ExpectGolden("{\"api\": \"weekly\"}\n", path_), "differs (scripts/update-golden.sh");
  EXPECT_EQ(Golden(), "{\"api\": \"daily\"}\n");
}

TEST_F(GoldenTest, EqualOutputPasses) {
  ExpectGolden("{\"api\": \"daily\"}\n", path_);
}

TEST_F(GoldenTest, AMissingGoldenFileFails) {
  fs::remove(path_);
  EXPECT_NONFATAL_FAILURE(ExpectGolden("x", path_), "cannot read golden file");
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(GoldenTest, UpdateGoldenRewritesTheFile) {
  SetUpdateGolden(true);
  ExpectGolden("{\"api\": \"weekly\"}\n", path_);
  EXPECT_EQ(Golden(), "{\"api\": \"weekly\"}\n");
}

}  // namespace
}  // namespace datasync::harness
