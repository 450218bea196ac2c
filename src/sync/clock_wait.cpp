#include "sync/clock_wait.hpp"

#include <algorithm>
#include <thread>

#include "core/wait_board.hpp"

namespace datasync::sync {

using namespace std::chrono_literals;

std::chrono::milliseconds ClockPollCap() {
  return core::WaitBoard::Process() ? 20ms : 200ms;
}

bool WaitUntil(const core::Clock& clock, core::TimePoint until, const std::atomic<bool>* interrupt) {
  core::WaitBoard::Worker waiter(core::WaitBoard::Process());
  core::WaitBoard::Parked parked(waiter, until);
  while (true) {
    core::TimePoint now = clock.Now();
    if (now >= until) return true;
    if (interrupt && interrupt->load()) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - now);
    std::this_thread::sleep_for(std::clamp<std::chrono::milliseconds>(left, 1ms, ClockPollCap()));
  }
}

}  // namespace datasync::sync
