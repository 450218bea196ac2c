#include "core/clock.hpp"

namespace datasync::core {

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace datasync::core
