#include "sync/quota.hpp"

#include <algorithm>

namespace datasync::sync {

using namespace std::chrono_literals;

Quota::Quota(datasource::QuotaLimits limits, const core::Clock& clock, core::TimeZone tz,
             std::chrono::milliseconds margin)
    : limits_(limits), clock_(clock), tz_(std::move(tz)), margin_(margin) {
  day_ = tz_.LocalDay(clock_.Now());
}

void Quota::Expire(core::TimePoint now) {
  while (!minute_.empty() && minute_.front() + 60s + margin_ <= now) minute_.pop_front();
  while (!hour_.empty() && hour_.front() + 3600s + margin_ <= now) hour_.pop_front();
  int32_t today = tz_.LocalDay(now);
  if (today != day_) {
    day_ = today;
    day_count_ = 0;
  }
}

std::optional<core::TimePoint> Quota::TryAcquire() {
  std::lock_guard lock(mu_);
  core::TimePoint now = clock_.Now();
  Expire(now);
  core::TimePoint earliest = now;
  bool refused = false;
  if (limits_.per_minute && *limits_.per_minute > 0 &&
      static_cast<int64_t>(minute_.size()) >= *limits_.per_minute) {
    earliest = std::max(earliest, minute_[minute_.size() - *limits_.per_minute] + 60s + margin_);
    refused = true;
  }
  if (limits_.per_hour && *limits_.per_hour > 0 && static_cast<int64_t>(hour_.size()) >= *limits_.per_hour) {
    earliest = std::max(earliest, hour_[hour_.size() - *limits_.per_hour] + 3600s + margin_);
    refused = true;
  }
  if (limits_.per_day && *limits_.per_day > 0 && day_count_ >= *limits_.per_day) {
    earliest = std::max(earliest, tz_.StartOfLocalDay(day_ + 1));
    refused = true;
  }
  if (!refused && limits_.concurrency && *limits_.concurrency > 0 && in_flight_ >= *limits_.concurrency) {
    return now + 5ms;
  }
  if (refused) return earliest;
  if (limits_.per_minute) minute_.push_back(now);
  if (limits_.per_hour) hour_.push_back(now);
  ++day_count_;
  ++in_flight_;
  ++calls_total_;
  return std::nullopt;
}

void Quota::Release() {
  std::lock_guard lock(mu_);
  if (in_flight_ > 0) --in_flight_;
}

void Quota::Learn(const core::LearnedLimit& learned) {
  if (learned.limit <= 0) return;
  std::lock_guard lock(mu_);
  std::optional<int64_t>* slot = nullptr;
  switch (learned.window) {
    case core::QuotaWindow::kMinute: slot = &limits_.per_minute; break;
    case core::QuotaWindow::kHour: slot = &limits_.per_hour; break;
    case core::QuotaWindow::kDay: slot = &limits_.per_day; break;
  }
  if (!*slot || **slot <= 0 || **slot > learned.limit) *slot = learned.limit;
}

std::vector<QuotaWindowUse> Quota::Usage() const {
  std::lock_guard lock(mu_);
  auto lim = [](const std::optional<int64_t>& l) { return l.value_or(0); };
  return {
      {"minute", lim(limits_.per_minute), static_cast<int64_t>(minute_.size())},
      {"hour", lim(limits_.per_hour), static_cast<int64_t>(hour_.size())},
      {"day", lim(limits_.per_day), day_count_},
      {"concurrency", lim(limits_.concurrency), in_flight_},
  };
}

datasource::QuotaLimits Quota::limits() const {
  std::lock_guard lock(mu_);
  return limits_;
}

int64_t Quota::calls_total() const {
  std::lock_guard lock(mu_);
  return calls_total_;
}

Quota& QuotaBook::For(const datasource::DataSource& source, const std::string& api) {
  std::lock_guard lock(mu_);
  std::string key = source.name + "\x1f" + api;
  auto it = quotas_.find(key);
  if (it != quotas_.end()) return *it->second;
  datasource::QuotaLimits limits = source.limits;
  if (auto o = source.api_limits.find(api); o != source.api_limits.end()) {
    if (o->second.per_minute) limits.per_minute = o->second.per_minute;
    if (o->second.per_hour) limits.per_hour = o->second.per_hour;
    if (o->second.per_day) limits.per_day = o->second.per_day;
    if (o->second.concurrency) limits.concurrency = o->second.concurrency;
  }
  auto tz = core::TimeZone::Load(source.timezone);
  auto q = std::make_unique<Quota>(limits, clock_, tz ? *tz : core::TimeZone::Utc());
  Quota& ref = *q;
  quotas_.emplace(key, std::move(q));
  return ref;
}

}  // namespace datasync::sync
