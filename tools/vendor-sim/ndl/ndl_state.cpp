#include "ndl/ndl_state.hpp"

namespace datasync::vendorsim::ndl {

NdlState::NdlState(NdlConfig config, uint64_t seed, SimClock& clock, CallGate& gate)
    : startup_(config.startup),
      universe_(config.startup.tickers, seed),
      cursors_(seed),
      clock_(clock),
      gate_(gate),
      config_(std::make_shared<const NdlRuntime>(std::move(config.runtime))) {}

std::shared_ptr<const NdlRuntime> NdlState::Config() const {
  std::lock_guard lock(mutex_);
  return config_;
}

void NdlState::ReplaceConfig(NdlRuntime config) {
  auto next = std::make_shared<const NdlRuntime>(std::move(config));
  std::lock_guard lock(mutex_);
  config_ = std::move(next);
}

void NdlState::SetForcedError(std::optional<ForcedError> forced) {
  std::lock_guard lock(mutex_);
  forced_ = std::move(forced);
}

std::optional<ForcedError> NdlState::ForcedErrorNow() const {
  std::lock_guard lock(mutex_);
  return forced_;
}

std::optional<std::string> NdlState::TakeForcedError(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (!forced_ || forced_->remaining <= 0) return std::nullopt;
  if (!forced_->match.empty() && path.find(forced_->match) == std::string::npos) return std::nullopt;
  std::string code = forced_->code;
  if (--forced_->remaining == 0) forced_.reset();
  return code;
}

}  // namespace datasync::vendorsim::ndl
