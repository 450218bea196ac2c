#include "call_gate.hpp"

#include <algorithm>

namespace datasync::vendorsim {

CallGate::InFlight::InFlight(CallGate& gate) : gate_(gate) {
  std::lock_guard lock(gate_.mutex_);
  ++gate_.in_flight_;
}

CallGate::InFlight::~InFlight() {
  std::lock_guard lock(gate_.mutex_);
  --gate_.in_flight_;
}

bool CallGate::Pass() {
  std::unique_lock lock(mutex_);
  // A budget is only left over when nobody waits, so a newcomer never overtakes a waiting call.
  if (!allow_ || *allow_ > 0) {
    if (allow_) --*allow_;
    ++passed_;
    return false;
  }
  Waiter self;
  queue_.push_back(&self);
  released_.wait(lock, [&self] { return self.released; });
  return true;
}

bool CallGate::Set(std::optional<int64_t> allow) {
  std::lock_guard lock(mutex_);
  if (shut_down_) return false;
  if (!allow) {
    ReleaseOldest(queue_.size());
    allow_.reset();
    return true;
  }
  passed_ = 0;
  const uint64_t released = std::min<uint64_t>(static_cast<uint64_t>(*allow), queue_.size());
  ReleaseOldest(released);
  allow_ = *allow - static_cast<int64_t>(released);
  return true;
}

void CallGate::Shutdown() {
  std::lock_guard lock(mutex_);
  shut_down_ = true;
  ReleaseOldest(queue_.size());
  allow_.reset();
}

CallGate::Snapshot CallGate::Read() const {
  std::lock_guard lock(mutex_);
  return Snapshot{allow_, passed_, queue_.size(), in_flight_};
}

void CallGate::ReleaseOldest(uint64_t count) {
  if (count == 0) return;
  for (uint64_t i = 0; i < count; ++i) {
    queue_.front()->released = true;
    queue_.pop_front();
    ++passed_;
  }
  released_.notify_all();
}

}  // namespace datasync::vendorsim
