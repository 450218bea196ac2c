// Crash points kill the process exactly at the armed point's N-th hit, and nowhere else (death tests run the
// point in a child process started with DATASYNC_CRASH_AT set).
#include "core/crash_point.hpp"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>

namespace datasync::core {
namespace {

class CrashPointTest : public ::testing::Test {
 protected:
  // "threadsafe" re-executes the test binary for each death test, so the child reads the variable afresh.
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
  void TearDown() override { ::unsetenv("DATASYNC_CRASH_AT"); }
};

void ReachEverything() {
  CrashPoint("write", "db");
  CrashPoint("write", "files");
  CrashPoint("write", "db");
  CrashPoint("ack");
  std::fputs("survived\n", stderr);
  std::exit(0);
}

TEST_F(CrashPointTest, TheArmedPointKillsOnItsNthHit) {
  ::setenv("DATASYNC_CRASH_AT", "write:db@2", 1);
  EXPECT_EXIT(ReachEverything(), ::testing::KilledBySignal(SIGKILL), "crash point write:db reached");
}

TEST_F(CrashPointTest, APointWithoutDetailMatchesEveryDetailOfItsKind) {
  ::setenv("DATASYNC_CRASH_AT", "ack", 1);
  EXPECT_EXIT(ReachEverything(), ::testing::KilledBySignal(SIGKILL), "crash point ack reached");
  ::setenv("DATASYNC_CRASH_AT", "write@2", 1);
  EXPECT_EXIT(ReachEverything(), ::testing::KilledBySignal(SIGKILL), "crash point write:files reached");
}

TEST_F(CrashPointTest, OtherPointsAndLaterHitsDoNothing) {
  for (const char* armed : {"write:dbx", "write:d", "write:db@3", "commit:db", "rename"}) {
    ::setenv("DATASYNC_CRASH_AT", armed, 1);
    EXPECT_EXIT(ReachEverything(), ::testing::ExitedWithCode(0), "survived") << armed;
  }
}

}  // namespace
}  // namespace datasync::core
