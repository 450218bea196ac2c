#include "sync/quota.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/log.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::sync {

using namespace std::chrono_literals;

namespace {

void Lower(std::optional<int64_t>& effective, const std::optional<int64_t>& learned) {
  if (learned && *learned > 0 && (!effective || *effective <= 0 || *effective > *learned)) effective = learned;
}

}  // namespace

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
    dirty_ = true;
  }
}

std::optional<core::TimePoint> Quota::TryAcquire(bool* slot_full) {
  std::lock_guard lock(mu_);
  core::TimePoint now = clock_.Now();
  Expire(now);
  bool concurrency_full = limits_.concurrency && *limits_.concurrency > 0 && in_flight_ >= *limits_.concurrency;
  if (slot_full) *slot_full = false;
  if (auto refused = store_ && !concurrency_full ? RefusedByLedger(now) : RefusedLocally(now)) return refused;
  if (concurrency_full) {
    if (slot_full) *slot_full = true;
    return now + 5ms;
  }
  // Every call is kept for an hour (not only when an hour limit is set): a limit learned later, or a
  // restart, must still see the calls already made.
  minute_.push_back(now);
  hour_.push_back(now);
  ++day_count_;
  ++in_flight_;
  ++calls_total_;
  dirty_ = true;
  return std::nullopt;
}

std::optional<core::TimePoint> Quota::RefusedLocally(core::TimePoint now) const {
  core::TimePoint earliest = now;
  bool refused = false;
  if (limits_.per_minute && *limits_.per_minute > 0 && static_cast<int64_t>(minute_.size()) >= *limits_.per_minute) {
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
  if (refused) return earliest;
  return std::nullopt;
}

std::optional<core::TimePoint> Quota::RefusedByLedger(core::TimePoint now) {
  // The same windows as RefusedLocally, counted over the calls of every process on this credential: a call
  // at t is in a window of length W while t + W + margin > now.
  enum { kMinute, kHour, kDay };
  std::vector<QuotaWindowCheck> checks;
  std::vector<int> kinds;
  auto since = [&](std::chrono::seconds window) { return core::ToEpochMicros(now - window - margin_) + 1; };
  if (limits_.per_minute && *limits_.per_minute > 0) {
    checks.push_back({since(60s), *limits_.per_minute});
    kinds.push_back(kMinute);
  }
  if (limits_.per_hour && *limits_.per_hour > 0) {
    checks.push_back({since(3600s), *limits_.per_hour});
    kinds.push_back(kHour);
  }
  core::TimePoint day_start = tz_.StartOfLocalDay(day_);
  if (limits_.per_day && *limits_.per_day > 0) {
    checks.push_back({core::ToEpochMicros(day_start), *limits_.per_day});
    kinds.push_back(kDay);
  }
  // The ledger keeps what a limit learned later could still need: the hour window and the vendor's day.
  int64_t forget_before = core::ToEpochMicros(std::min(now - 3600s - margin_, day_start));
  auto admission = store_->AdmitCall(key_, core::ToEpochMicros(now), checks, forget_before);
  if (!admission) {
    if (!ledger_warned_) {
      ledger_warned_ = true;
      core::LogWarn("quota " + label_ + ": the shared call ledger is unavailable (" +
                    core::Redact(admission.error().message()) +
                    "); planning on this process's own calls until it answers again");
    }
    return RefusedLocally(now);
  }
  ledger_warned_ = false;
  if (admission->admitted) return std::nullopt;
  core::TimePoint earliest = now;
  for (size_t i = 0; i < kinds.size(); ++i) {
    int64_t blocking = admission->blocking_us[i];
    if (blocking == 0) continue;
    switch (kinds[i]) {
      case kMinute: earliest = std::max(earliest, core::FromEpochMicros(blocking) + 60s + margin_); break;
      case kHour: earliest = std::max(earliest, core::FromEpochMicros(blocking) + 3600s + margin_); break;
      default: earliest = std::max(earliest, tz_.StartOfLocalDay(day_ + 1)); break;
    }
  }
  return earliest;
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
    case core::QuotaWindow::kMinute: slot = &learned_.per_minute; break;
    case core::QuotaWindow::kHour: slot = &learned_.per_hour; break;
    case core::QuotaWindow::kDay: slot = &learned_.per_day; break;
  }
  if (!*slot || **slot > learned.limit) {
    *slot = learned.limit;
    dirty_ = true;
  }
  Lower(limits_.per_minute, learned_.per_minute);
  Lower(limits_.per_hour, learned_.per_hour);
  Lower(limits_.per_day, learned_.per_day);
}

void Quota::Restore(const std::string& state_json) {
  auto j = nlohmann::json::parse(state_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return;
  std::lock_guard lock(mu_);
  core::TimePoint now = clock_.Now();
  auto get = [&](const char* k) -> std::optional<int64_t> {
    if (j.contains(k) && j[k].is_number_integer()) return j[k].get<int64_t>();
    return std::nullopt;
  };
  if (auto l = j.find("learned"); l != j.end() && l->is_object()) {
    auto lim = [&](const char* k) -> std::optional<int64_t> {
      if (l->contains(k) && (*l)[k].is_number_integer()) return (*l)[k].get<int64_t>();
      return std::nullopt;
    };
    learned_.per_minute = lim("minute");
    learned_.per_hour = lim("hour");
    learned_.per_day = lim("day");
    Lower(limits_.per_minute, learned_.per_minute);
    Lower(limits_.per_hour, learned_.per_hour);
    Lower(limits_.per_day, learned_.per_day);
  }
  if (get("day") == tz_.LocalDay(now)) day_count_ = std::max<int64_t>(day_count_, get("day_count").value_or(0));
  if (auto r = j.find("recent_us"); r != j.end() && r->is_array()) {
    std::vector<int64_t> recent;
    for (const auto& v : *r) {
      if (v.is_number_integer()) recent.push_back(v.get<int64_t>());
    }
    std::sort(recent.begin(), recent.end());
    for (int64_t us : recent) {
      core::TimePoint t = core::FromEpochMicros(us);
      if (t > now) continue;
      if (t + 3600s + margin_ > now) hour_.push_back(t);
      if (t + 60s + margin_ > now) minute_.push_back(t);
    }
  }
}

std::string Quota::Snapshot(bool* dirty) {
  std::lock_guard lock(mu_);
  Expire(clock_.Now());
  if (dirty) *dirty = dirty_;
  dirty_ = false;
  nlohmann::json learned = nlohmann::json::object();
  if (learned_.per_minute) learned["minute"] = *learned_.per_minute;
  if (learned_.per_hour) learned["hour"] = *learned_.per_hour;
  if (learned_.per_day) learned["day"] = *learned_.per_day;
  nlohmann::json recent = nlohmann::json::array();
  for (const auto& t : hour_) recent.push_back(core::ToEpochMicros(t));
  return nlohmann::json{{"day", day_}, {"day_count", day_count_}, {"learned", learned}, {"recent_us", recent}}.dump();
}

void Quota::AttachStore(QuotaStore* store, std::string key, std::string label) {
  std::lock_guard lock(mu_);
  store_ = store;
  key_ = std::move(key);
  label_ = std::move(label);
}

core::Status Quota::Persist() {
  if (!store_) return core::Ok();
  bool dirty = false;
  std::string state = Snapshot(&dirty);
  if (!dirty) return core::Ok();
  auto st = store_->SaveQuota({key_, label_, state, core::ToEpochMicros(clock_.Now())});
  if (!st) {
    std::lock_guard lock(mu_);
    dirty_ = true;  // try again next time
  }
  return st;
}

std::vector<QuotaWindowUse> Quota::Usage() const {
  std::lock_guard lock(mu_);
  core::TimePoint now = clock_.Now();
  auto lim = [](const std::optional<int64_t>& l) { return l.value_or(0); };
  auto count_since = [&](const std::deque<core::TimePoint>& q, std::chrono::seconds window) {
    return static_cast<int64_t>(std::count_if(q.begin(), q.end(), [&](auto t) { return t + window > now; }));
  };
  int64_t day_used = tz_.LocalDay(now) == day_ ? day_count_ : 0;
  return {
      {"minute", lim(limits_.per_minute), count_since(minute_, 60s)},
      {"hour", lim(limits_.per_hour), count_since(hour_, 3600s)},
      {"day", lim(limits_.per_day), day_used},
      {"concurrency", lim(limits_.concurrency), in_flight_},
  };
}

datasource::QuotaLimits Quota::limits() const {
  std::lock_guard lock(mu_);
  return limits_;
}

bool Quota::SlotFull() const {
  std::lock_guard lock(mu_);
  return limits_.concurrency && *limits_.concurrency > 0 && in_flight_ >= *limits_.concurrency;
}

int64_t Quota::calls_total() const {
  std::lock_guard lock(mu_);
  return calls_total_;
}

std::chrono::seconds Quota::Estimate(int64_t calls) const {
  if (calls <= 0) return 0s;
  std::lock_guard lock(mu_);
  core::TimePoint now = clock_.Now();
  double secs = 0;
  if (limits_.per_minute && *limits_.per_minute > 0) {
    secs = std::max(secs, 60.0 * static_cast<double>(calls) / static_cast<double>(*limits_.per_minute));
  }
  if (limits_.per_hour && *limits_.per_hour > 0) {
    secs = std::max(secs, 3600.0 * static_cast<double>(calls) / static_cast<double>(*limits_.per_hour));
  }
  if (limits_.per_day && *limits_.per_day > 0) {
    int64_t used = tz_.LocalDay(now) == day_ ? day_count_ : 0;
    int64_t left_today = std::max<int64_t>(0, *limits_.per_day - used);
    if (calls > left_today) {
      int64_t beyond = calls - left_today;
      int64_t full_days = (beyond - 1) / *limits_.per_day;  // whole days after tomorrow starts
      double to_midnight = std::chrono::duration<double>(tz_.StartOfLocalDay(tz_.LocalDay(now) + 1) - now).count();
      double tail = static_cast<double>(beyond - full_days * *limits_.per_day);
      double per_call = secs / static_cast<double>(calls);  // the minute/hour pace still applies each day
      secs = std::max(secs, to_midnight + static_cast<double>(full_days) * 86400.0 + tail * per_call);
    }
  }
  return std::chrono::seconds(static_cast<int64_t>(secs + 0.5));
}

Quota& QuotaBook::For(const datasource::DataSource& source, const std::string& api) {
  // The vendor counts per credential: sources sharing one share a budget. The key is a hash, so the
  // credential never reaches the system database.
  std::string credential = credential_of_ ? credential_of_(source) : std::string();
  std::string key = core::Hex64(core::Fnv1a64(source.endpoint + "\x1f" + credential + "\x1f" + api));
  std::lock_guard lock(mu_);
  auto it = quotas_.find(key);
  if (it != quotas_.end()) return *it->second;
  datasource::QuotaLimits limits = source.limits;
  if (auto o = source.api_limits.find(api); o != source.api_limits.end()) {
    if (o->second.per_minute) limits.per_minute = o->second.per_minute;
    if (o->second.per_hour) limits.per_hour = o->second.per_hour;
    if (o->second.per_day) limits.per_day = o->second.per_day;
    if (o->second.concurrency) limits.concurrency = o->second.concurrency;
    if (o->second.margin_ms) limits.margin_ms = o->second.margin_ms;
  }
  auto tz = core::TimeZone::Load(source.timezone);
  auto q = std::make_unique<Quota>(limits, clock_, tz ? *tz : core::TimeZone::Utc(),
                                   std::chrono::milliseconds(limits.margin_ms.value_or(500)));
  if (store_) {
    if (auto stored = store_->LoadQuota(key); stored && *stored) q->Restore((*stored)->state_json);
    q->AttachStore(store_, key, source.name + "/" + api);
  }
  Quota& ref = *q;
  quotas_.emplace(key, std::move(q));
  return ref;
}

core::Status QuotaBook::PersistAll() {
  std::lock_guard lock(mu_);
  for (auto& [_, q] : quotas_) {
    if (auto st = q->Persist(); !st) return st;
  }
  return core::Ok();
}

}  // namespace datasync::sync
