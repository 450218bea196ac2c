// The parts the daemon is made of, each on its own: the launcher's capacity and busy plans, the config
// file watcher.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <latch>

#include "app/config_watcher.hpp"
#include "app/daemon_launcher.hpp"

namespace datasync::app {
namespace {

TEST(DaemonLauncherTest, AJobHoldsItsPlanAndASlotOfCapacityUntilFinishedJoinsIt) {
  std::atomic<bool> stopping{false};
  int64_t max_parallel = 1;
  DaemonLauncher launcher(DaemonLauncher::Deps{nullptr, &stopping, nullptr, [&] { return max_parallel; }, {}});
  EXPECT_TRUE(launcher.HasCapacity());
  std::latch release(1);
  launcher.StartJob("daily", [&] { release.wait(); });
  EXPECT_TRUE(launcher.Busy("daily"));
  EXPECT_FALSE(launcher.Busy("weekly"));
  EXPECT_FALSE(launcher.HasCapacity());
  max_parallel = 2;  // the configuration changed: read at the next check
  EXPECT_TRUE(launcher.HasCapacity());
  stopping = true;  // shutting down: nothing new starts
  EXPECT_FALSE(launcher.HasCapacity());
  release.count_down();
  while (launcher.Active() > 0) (void)launcher.Finished();
  EXPECT_FALSE(launcher.Busy("daily"));
  EXPECT_EQ(launcher.WorkerOptions().interrupt, &stopping);
  EXPECT_FALSE(launcher.WorkerOptions().apply_first);
}

// The API's starts race the loop's: TryStartJob checks and starts under one lock, and says why it refused.
TEST(DaemonLauncherTest, TryStartJobRefusesABusyPlanAFullDaemonAndAStoppingOne) {
  std::atomic<bool> stopping{false};
  int64_t max_parallel = 2;
  DaemonLauncher launcher(DaemonLauncher::Deps{nullptr, &stopping, nullptr, [&] { return max_parallel; }, {}});
  std::latch release(1);
  std::atomic<int> ran{0};
  ASSERT_TRUE(launcher.TryStartJob("daily", [&] {
    ++ran;
    release.wait();
  }));
  auto busy = launcher.TryStartJob("daily", [&] { ++ran; });
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().kind(), core::ErrorKind::kConflict);
  ASSERT_TRUE(launcher.TryStartJob("weekly", [&] {
    ++ran;
    release.wait();
  }));
  auto full = launcher.TryStartJob("monthly", [&] { ++ran; });
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().kind(), core::ErrorKind::kTransient);
  EXPECT_NE(full.error().message().find("max_parallel_runs (2)"), std::string::npos);
  release.count_down();
  while (launcher.Active() > 0) (void)launcher.Finished();
  EXPECT_EQ(ran.load(), 2);
  stopping = true;
  auto stopped = launcher.TryStartJob("daily", [&] { ++ran; });
  ASSERT_FALSE(stopped);
  EXPECT_EQ(stopped.error().kind(), core::ErrorKind::kTransient);
  EXPECT_EQ(launcher.Active(), 0u);
}

TEST(ConfigWatcherTest, SaysChangedOncePerChangeOfTheFile) {
  auto dir = std::filesystem::temp_directory_path() / ("config_watcher_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "datasync.yaml";
  std::ofstream(file) << "plans: {}\n";
  ConfigWatcher watcher(file);
  watcher.Note();
  EXPECT_FALSE(watcher.Changed());
  std::ofstream(file, std::ios::app) << "# edited\n";
  EXPECT_TRUE(watcher.Changed());
  EXPECT_FALSE(watcher.Changed());
  std::filesystem::remove(file);
  EXPECT_FALSE(watcher.Changed());  // unreadable: keep what was loaded
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace datasync::app
