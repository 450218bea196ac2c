#include "sync/adaptive_concurrency.hpp"

#include <algorithm>
#include <cmath>

namespace datasync::sync {

namespace {
constexpr double kShortestRtt = 1e-6;    // a round trip measured as 0 still counts as one microsecond
constexpr int64_t kLongestReprobe = 16;  // re-probes back off to at most 16 × reprobe_windows windows
}  // namespace

AdaptiveConcurrency::AdaptiveConcurrency(AdaptiveConcurrencyOptions options) : opt_(options) {
  opt_.max = std::max<int64_t>(opt_.max, 1);
  opt_.initial = std::clamp<int64_t>(opt_.initial, 1, opt_.max);
  opt_.reprobe_windows = std::max<int64_t>(opt_.reprobe_windows, 1);
  limit_ = opt_.initial;
  reprobe_after_ = opt_.reprobe_windows;
  lowest_ = highest_ = limit_;
  rtt_.assign(static_cast<size_t>(opt_.max) + 1, 0.0);
  windows_.assign(static_cast<size_t>(opt_.max) + 1, 0);
}

std::optional<AdaptiveConcurrency::Ticket> AdaptiveConcurrency::TryAcquire() {
  std::lock_guard lock(mu_);
  if (in_flight_ >= limit_) return std::nullopt;
  ++in_flight_;
  ++calls_;
  in_flight_sum_ += static_cast<double>(in_flight_);
  return Ticket{epoch_, in_flight_ == limit_};
}

void AdaptiveConcurrency::Release() {
  std::lock_guard lock(mu_);
  in_flight_ = std::max<int64_t>(0, in_flight_ - 1);
}

void AdaptiveConcurrency::Observe(const Ticket& ticket, double rtt_secs, bool back_pressure) {
  std::lock_guard lock(mu_);
  if (back_pressure) {
    // One cut per generation: the other calls already in flight when the vendor pushed back say the same.
    if (ticket.epoch != epoch_) return;
    ++back_pressure_;
    slow_start_ = false;
    if (probing_) ProbeFailedLocked();
    if (limit_ > 1) {
      ceiling_ = limit_;
      auto cut = static_cast<int64_t>(std::floor(static_cast<double>(limit_) * opt_.decrease_ratio));
      MoveToLocked(std::clamp<int64_t>(cut, 1, limit_ - 1));
    } else {
      ++epoch_;  // the window in progress measured an overloaded vendor: start a new one
      window_sum_ = 0;
      window_n_ = 0;
    }
    return;
  }
  if (!ticket.saturated || ticket.epoch != epoch_) return;
  window_sum_ += std::max(rtt_secs, kShortestRtt);
  ++window_n_;
  if (window_n_ >= std::max<int64_t>(4, 2 * limit_)) CloseWindowLocked();
}

double AdaptiveConcurrency::ServedLocked(int64_t level) const {
  auto i = static_cast<size_t>(level);
  return rtt_[i] > 0 ? static_cast<double>(level) / rtt_[i] : 0.0;
}

std::optional<int64_t> AdaptiveConcurrency::NearestBelowLocked(int64_t level) const {
  for (int64_t l = level - 1; l >= 1; --l) {
    if (windows_[static_cast<size_t>(l)] > 0) return l;
  }
  return std::nullopt;
}

void AdaptiveConcurrency::CloseWindowLocked() {
  auto here = static_cast<size_t>(limit_);
  double mean = window_sum_ / static_cast<double>(window_n_);
  // The first window after arriving at a level replaces what an earlier stay taught (the vendor may have
  // changed since); the windows of one stay are smoothed.
  rtt_[here] = windows_here_ > 0 ? opt_.ewma_alpha * mean + (1 - opt_.ewma_alpha) * rtt_[here] : mean;
  ++windows_[here];
  ++windows_here_;
  window_sum_ = 0;
  window_n_ = 0;

  // Down: this level must serve more than the one below by min_gain, or the extra calls only queue.
  if (auto below = NearestBelowLocked(limit_)) {
    if (ServedLocked(limit_) < ServedLocked(*below) * (1 + opt_.min_gain)) {
      slow_start_ = false;
      if (probing_) ProbeFailedLocked();
      MoveToLocked(*below);
      return;
    }
  }
  if (probing_) {  // the re-probed level paid after all: probe as often as at first again
    probing_ = false;
    reprobe_after_ = opt_.reprobe_windows;
  }
  if (limit_ >= opt_.max) return;
  // Up: double while it pays (slow start), then one level at a time.
  int64_t up = slow_start_ ? std::min(2 * limit_, opt_.max) : limit_ + 1;
  bool reprobe = windows_here_ >= reprobe_after_;
  bool above_ceiling = ceiling_ > 0 && up >= ceiling_;  // the level drew push-back
  if (above_ceiling && !reprobe) return;
  auto u = static_cast<size_t>(up);
  bool pays = !above_ceiling && (windows_[u] == 0 || ServedLocked(up) >= ServedLocked(limit_) * (1 + opt_.min_gain));
  if (pays || reprobe) {
    MoveToLocked(up);
    probing_ = !pays;
    if (above_ceiling) ceiling_ = 0;
  }
}

// A re-probe of a level known to be worse found it worse still (or drew push-back): wait twice as long
// before the next one, so a stable vendor costs fewer and fewer probes.
void AdaptiveConcurrency::ProbeFailedLocked() {
  probing_ = false;
  reprobe_after_ = std::min(reprobe_after_ * 2, kLongestReprobe * opt_.reprobe_windows);
}

void AdaptiveConcurrency::MoveToLocked(int64_t level) {
  if (level != limit_) ++changes_;
  probing_ = false;
  limit_ = level;
  ++epoch_;
  windows_here_ = 0;
  window_sum_ = 0;
  window_n_ = 0;
  lowest_ = std::min(lowest_, limit_);
  highest_ = std::max(highest_, limit_);
}

int64_t AdaptiveConcurrency::limit() const {
  std::lock_guard lock(mu_);
  return limit_;
}

int64_t AdaptiveConcurrency::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_;
}

bool AdaptiveConcurrency::Full() const {
  std::lock_guard lock(mu_);
  return in_flight_ >= limit_;
}

bool AdaptiveConcurrency::Spare() const {
  std::lock_guard lock(mu_);
  return in_flight_ + 1 < limit_;
}

ConcurrencySummary AdaptiveConcurrency::Summary() const {
  std::lock_guard lock(mu_);
  ConcurrencySummary s;
  s.max = opt_.max;
  s.final_limit = limit_;
  s.lowest = lowest_;
  s.highest = highest_;
  s.changes = changes_;
  s.back_pressure = back_pressure_;
  s.mean_in_flight = calls_ > 0 ? in_flight_sum_ / static_cast<double>(calls_) : 0;
  for (int64_t l = 1; l <= opt_.max; ++l) {
    auto i = static_cast<size_t>(l);
    if (windows_[i] > 0) s.levels.push_back({l, rtt_[i], windows_[i]});
  }
  return s;
}

}  // namespace datasync::sync
