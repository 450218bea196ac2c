#include "server_load.hpp"

#include <algorithm>

namespace datasync::vendorsim {

int64_t LoadDelayMs(const LoadModel& model, uint64_t in_flight) {
  const auto beyond = static_cast<int64_t>(in_flight) - std::max<int64_t>(model.scale_limit, 1);
  return model.latency_ms + model.contention_ms * std::max<int64_t>(beyond, 0);
}

ServerLoad::Call::Call(ServerLoad& load, const LoadModel& model) : load_(load) {
  std::lock_guard lock(load_.mutex_);
  Snapshot& c = load_.counters_;
  ++c.in_flight;
  c.peak_in_flight = std::max(c.peak_in_flight, c.in_flight);
  ++c.calls;
  delay_ms_ = LoadDelayMs(model, c.in_flight);
  c.delay_ms_total += delay_ms_;
  c.max_delay_ms = std::max(c.max_delay_ms, delay_ms_);
}

ServerLoad::Call::~Call() {
  std::lock_guard lock(load_.mutex_);
  --load_.counters_.in_flight;
}

ServerLoad::Snapshot ServerLoad::Read() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

void ServerLoad::Reset() {
  std::lock_guard lock(mutex_);
  counters_ = Snapshot{counters_.in_flight, counters_.in_flight, 0, 0, 0};
}

}  // namespace datasync::vendorsim
