// Delay points: named places where a test makes a thread wait, to widen a race window that is otherwise too
// narrow to hit (the crash points' sibling, core/crash_point.hpp).
//
// DATASYNC_DELAY_AT="POINT=MS[,POINT=MS...]": each time a thread reaches POINT it sleeps MS milliseconds.
// POINT is a point's name ("log"), or name and the start of its detail ("log:plan bars" delays only lines
// that start with "plan bars"). Read only in builds configured with -DDATASYNC_TEST_HOOKS=ON
// (scripts/build.sh test); elsewhere DelayPoint does nothing.
//
// The points:
//   log:LINE    in core::Log, after the backend was taken and before it writes LINE
//   serve-exit  `datasync serve` after logging was shut down, before the process exits
// Thread-safe.
#pragma once

#include <string_view>

namespace datasync::core {

// True when DATASYNC_DELAY_AT arms a point in this process (cheap; read once).
bool DelayPointsArmed();
void DelayPointSlow(std::string_view name, std::string_view detail);

inline void DelayPoint(std::string_view name, std::string_view detail = {}) {
  if (DelayPointsArmed()) DelayPointSlow(name, detail);
}

}  // namespace datasync::core
