// The wait board publishes busy workers and the earliest time a parked worker waits for, on every change,
// as a file a test driver reads while it moves the virtual clock.
#include "core/wait_board.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace datasync::core {
namespace {

class WaitBoardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() / ("ds-waits-" + std::to_string(::getpid()) + ".json");
  }
  void TearDown() override { std::filesystem::remove(path_); }
  nlohmann::json Published() const {
    std::ifstream f(path_);
    std::stringstream text;
    text << f.rdbuf();
    return nlohmann::json::parse(text.str());
  }
  std::filesystem::path path_;
};

TEST_F(WaitBoardTest, PublishesBusyWorkersAndTheEarliestWait) {
  WaitBoard board(path_.string());
  EXPECT_EQ(Published()["busy"], 0);
  EXPECT_TRUE(Published()["until_us"].is_null());
  EXPECT_EQ(Published()["pid"], ::getpid());
  {
    WaitBoard::Worker a(&board), b(&board);
    EXPECT_EQ(Published()["busy"], 2);
    a.Park(FromEpochMicros(2'000'000));
    EXPECT_EQ(Published()["busy"], 1);
    EXPECT_EQ(Published()["until_us"], 2'000'000);
    int64_t seq = Published()["seq"];
    {
      WaitBoard::Parked idle(b);  // waiting for work, not for a time
      EXPECT_EQ(Published()["busy"], 0);
      EXPECT_EQ(Published()["until_us"], 2'000'000);
      EXPECT_GT(Published()["seq"].get<int64_t>(), seq);
      b.Park(FromEpochMicros(1'000'000));
      EXPECT_EQ(Published()["until_us"], 1'000'000);
    }
    EXPECT_EQ(Published()["busy"], 1);
    EXPECT_EQ(Published()["until_us"], 2'000'000);
    a.Unpark();
    EXPECT_EQ(Published()["busy"], 2);
    EXPECT_TRUE(Published()["until_us"].is_null());
    EXPECT_EQ(board.Current().busy, 2);
  }
  EXPECT_EQ(Published()["busy"], 0);
}

TEST_F(WaitBoardTest, UnchangedStateIsNotRewritten) {
  WaitBoard board(path_.string());
  WaitBoard::Worker a(&board);
  a.Park();
  int64_t seq = Published()["seq"];
  a.Park();
  EXPECT_EQ(Published()["seq"], seq);
}

TEST(WaitBoardNullTest, ANullBoardIgnoresEverything) {
  WaitBoard::Worker w(nullptr);
  w.Park(FromEpochMicros(5));
  w.Unpark();
  WaitBoard::Parked p(w);
}

}  // namespace
}  // namespace datasync::core
