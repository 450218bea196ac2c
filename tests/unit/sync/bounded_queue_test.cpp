#include "sync/bounded_queue.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <thread>

namespace datasync::sync {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

struct Popped {
  std::optional<int> item;
  Clock::duration waited{};
};

// Starts `pop` on another thread and gives it time to start waiting before the caller pushes.
template <class Pop>
std::future<Popped> PopLater(Pop pop) {
  auto f = std::async(std::launch::async, [pop] {
    auto start = Clock::now();
    std::optional<int> item = pop();
    return Popped{item, Clock::now() - start};
  });
  std::this_thread::sleep_for(50ms);
  return f;
}

// The lower bounds below hold however loaded the machine is; the upper bounds are far from the timeouts.
TEST(BoundedQueueTest, ALazyPushLeavesALingeringConsumerToItsLinger) {
  BoundedQueue<int> q(8);
  auto popped = PopLater([&] { return q.PopLingering(400ms); });
  ASSERT_TRUE(q.PushLazy(7));
  Popped p = popped.get();
  EXPECT_EQ(p.item, 7);
  EXPECT_GE(p.waited, 400ms);  // not woken by the push: it took the item when its linger ended
}

TEST(BoundedQueueTest, AnEagerPushWakesALingeringConsumer) {
  BoundedQueue<int> q(8);
  auto popped = PopLater([&] { return q.PopLingering(60s); });
  ASSERT_TRUE(q.Push(7));
  Popped p = popped.get();
  EXPECT_EQ(p.item, 7);
  EXPECT_LT(p.waited, 30s);
}

TEST(BoundedQueueTest, ALazyPushWakesAConsumerBlockedInPop) {
  BoundedQueue<int> q(8);
  auto popped = PopLater([&] { return q.PopFor(60s); });
  ASSERT_TRUE(q.PushLazy(7));
  Popped p = popped.get();
  EXPECT_EQ(p.item, 7);
  EXPECT_LT(p.waited, 30s);
}

TEST(BoundedQueueTest, ALazyPushThatFillsTheQueueWakesALingeringConsumer) {
  BoundedQueue<int> q(2);
  auto popped = PopLater([&] { return q.PopLingering(60s); });
  ASSERT_TRUE(q.PushLazy(1));
  ASSERT_TRUE(q.PushLazy(2));  // full: the producers would block next, so the consumer must run
  Popped p = popped.get();
  EXPECT_EQ(p.item, 1);
  EXPECT_LT(p.waited, 30s);
  EXPECT_EQ(q.TryPop(), 2);
}

TEST(BoundedQueueTest, CloseWakesALingeringConsumerAndItDrainsWhatIsLeft) {
  BoundedQueue<int> q(8);
  ASSERT_TRUE(q.PushLazy(1));
  auto popped = PopLater([&] {
    (void)q.TryPop();  // the queue is dry now
    return q.PopLingering(60s);
  });
  q.Close();
  Popped p = popped.get();
  EXPECT_FALSE(p.item);
  EXPECT_LT(p.waited, 30s);
  EXPECT_FALSE(q.PushLazy(2));
}

}  // namespace
}  // namespace datasync::sync
