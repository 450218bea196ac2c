// What unit_main.cpp promises, checked on this very binary run again as a child: the caller's DATASYNC_*
// variables (but DATASYNC_TEST_*) never reach a test, and an unknown argument is refused.
#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace datasync::harness {
namespace {

// Run only as the child of the tests below (--gtest_also_run_disabled_tests): prints the DATASYNC_*
// variables it sees.
TEST(UnitMainProbe, DISABLED_PrintsTheDatasyncEnvironment) {
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).starts_with("DATASYNC_")) std::printf("ENV %s\n", *e);
  }
}

// Runs this binary with args through the shell (env is a prefix of VAR=value assignments); returns the exit
// status and sets out to its stdout.
int RunSelf(const std::string& env, const std::string& args, std::string& out) {
  std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string command = env + " '" + self + "' " + args + " 2>&1";
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return -1;
  char buf[4096];
  out.clear();
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
  int status = ::pclose(p);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(UnitMainTest, TheCallersDatasyncVariablesDoNotReachTests) {
  std::string out;
  int rc = RunSelf(
      "DATASYNC_CLOCK_FILE=/tmp/clock DATASYNC_UPDATE_GOLDEN=1 DATASYNC_PROJECT=/tmp/p DATASYNC_TEST_PG_URL=kept",
      "--gtest_filter=UnitMainProbe.* --gtest_also_run_disabled_tests", out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("ENV DATASYNC_TEST_PG_URL=kept\n"), std::string::npos) << out;
  EXPECT_EQ(out.find("DATASYNC_CLOCK_FILE"), std::string::npos) << out;
  EXPECT_EQ(out.find("DATASYNC_UPDATE_GOLDEN"), std::string::npos) << out;
  EXPECT_EQ(out.find("DATASYNC_PROJECT"), std::string::npos) << out;
}

TEST(UnitMainTest, AnUnknownArgumentIsRefused) {
  std::string out;
  EXPECT_EQ(RunSelf("", "--update_golden", out), 2) << out;
  EXPECT_NE(out.find("unknown argument '--update_golden'"), std::string::npos) << out;
}

}  // namespace
}  // namespace datasync::harness
