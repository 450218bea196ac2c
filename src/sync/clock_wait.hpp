// Waiting on the process clock. Every engine thread that waits for a time (a deferred run for the vendor's
// reset; the executor's workers for a quota window, a cool-down or a retry) waits through here or with the
// same poll cap, parked on the process's WaitBoard (core/wait_board.hpp), so a test's virtual clock
// (DATASYNC_CLOCK_FILE) sees the thread waiting for exactly that time and moves straight to it.
//
// Thread-safety: free functions; any thread may call them.
#pragma once

#include <atomic>
#include <chrono>

#include "core/clock.hpp"

namespace datasync::sync {

// Longest a waiting thread sleeps before it looks at the clock again. On a virtual clock time jumps while
// threads sleep, so they look more often.
std::chrono::milliseconds ClockPollCap();

// Blocks until `clock` reaches `until` (true) or `*interrupt` is set (false; null never interrupts). The
// calling thread is a WaitBoard worker parked until `until` for the whole wait.
bool WaitUntil(const core::Clock& clock, core::TimePoint until, const std::atomic<bool>* interrupt);

}  // namespace datasync::sync
