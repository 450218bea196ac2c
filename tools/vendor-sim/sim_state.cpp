#include "sim_state.hpp"

#include <climits>

namespace datasync::vendorsim {

SimState::SimState(StartupConfig startup, RuntimeConfig runtime)
    : startup_(std::move(startup)),
      calendar_(startup_.calendar_first_day, startup_.calendar_last_day),
      market_(calendar_, startup_.stocks, startup_.seed),
      apis_(market_),
      clock_(startup_.clock_mode, startup_.start_epoch_ms, startup_.clock_file),
      config_(std::make_shared<const RuntimeConfig>(std::move(runtime))) {}

std::shared_ptr<const RuntimeConfig> SimState::Config() const {
  std::lock_guard lock(config_mutex_);
  return config_;
}

void SimState::ReplaceConfig(RuntimeConfig config) {
  auto next = std::make_shared<const RuntimeConfig>(std::move(config));
  std::lock_guard lock(config_mutex_);
  config_ = std::move(next);
}

int SimState::PublishedThrough(int64_t now_ms) const {
  if (startup_.serve_future) return INT_MAX;
  constexpr int64_t kPublishMs = 16LL * 3600 * 1000;
  const int today = ShanghaiDay(now_ms);
  return ShanghaiMsOfDay(now_ms) >= kPublishMs ? today : today - 1;
}

}  // namespace datasync::vendorsim
