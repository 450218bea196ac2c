#include "sync/quota.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "core/log.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::sync {

using namespace std::chrono_literals;

namespace {

using datasource::QuotaWindowKind;
using datasource::QuotaWindowLimit;

bool Sliding(const QuotaWindowLimit& w) {
  return w.kind == QuotaWindowKind::kSliding;
}

QuotaWindowLimit LearnedWindow(core::QuotaWindow window, int64_t limit) {
  QuotaWindowLimit w = datasource::kMinuteWindow;
  switch (window) {
    case core::QuotaWindow::kMinute: w = datasource::kMinuteWindow; break;
    case core::QuotaWindow::kHour: w = datasource::kHourWindow; break;
    case core::QuotaWindow::kDay: w = datasource::kVendorDayWindow; break;
  }
  w.limit = limit;
  return w;
}

// The window a saved state names ("minute", "hour", "day", "90s"): datasource::WindowName read back.
std::optional<QuotaWindowLimit> WindowNamed(const std::string& name) {
  for (const auto& w : {datasource::kMinuteWindow, datasource::kHourWindow, datasource::kVendorDayWindow}) {
    if (datasource::WindowName(w) == name) return w;
  }
  if (name.size() < 2 || name.back() != 's') return std::nullopt;
  int64_t secs = 0;
  for (size_t i = 0; i + 1 < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || secs > 1'000'000'000) return std::nullopt;
    secs = secs * 10 + (name[i] - '0');
  }
  if (secs <= 0) return std::nullopt;
  return QuotaWindowLimit{secs, 0, QuotaWindowKind::kSliding};
}

// Lowers the same window of `windows` to `learned`, or adds it when it has no limit yet.
void Lower(std::vector<QuotaWindowLimit>& windows, const QuotaWindowLimit& learned) {
  if (learned.limit <= 0) return;
  auto same = std::find_if(windows.begin(), windows.end(), [&](const auto& w) { return w.SameWindow(learned); });
  if (same == windows.end()) {
    windows.push_back(learned);
  } else if (same->limit <= 0 || same->limit > learned.limit) {
    same->limit = learned.limit;
  }
}

}  // namespace

Quota::Quota(datasource::QuotaLimits limits, const core::Clock& clock, core::TimeZone tz,
             std::chrono::milliseconds margin)
    : configured_(std::move(limits)), clock_(clock), tz_(std::move(tz)), margin_(margin) {
  day_ = tz_.LocalDay(clock_.Now());
  Rebuild();
}

void Quota::Rebuild() {
  datasource::QuotaLimits effective = configured_;
  effective.per_minute.reset();
  effective.per_hour.reset();
  effective.per_day.reset();
  effective.windows = datasource::Windows(configured_);
  for (const auto& l : learned_) Lower(effective.windows, l);
  // Canonical order: minute, hour, day, then the others by length (the order of Usage and of the ledger's checks).
  windows_ = datasource::Windows(datasource::Canonical(effective));
  keep_ = 3600s;
  for (const auto& w : windows_) {
    if (Sliding(w)) keep_ = std::max(keep_, std::chrono::seconds(w.every_secs));
  }
}

void Quota::Expire(core::TimePoint now) {
  while (!calls_.empty() && calls_.front() + keep_ + margin_ <= now) calls_.pop_front();
  int32_t today = tz_.LocalDay(now);
  if (today != day_) {
    day_ = today;
    day_count_ = 0;
    dirty_ = true;
  }
}

int64_t Quota::CountAfter(core::TimePoint t) const {
  return static_cast<int64_t>(calls_.end() - std::upper_bound(calls_.begin(), calls_.end(), t));
}

std::optional<core::TimePoint> Quota::TryAcquire(bool* slot_full) {
  std::lock_guard lock(mu_);
  core::TimePoint now = clock_.Now();
  Expire(now);
  bool concurrency_full =
      configured_.concurrency && *configured_.concurrency > 0 && in_flight_ >= *configured_.concurrency;
  if (slot_full) *slot_full = false;
  if (auto refused = store_ && !concurrency_full ? RefusedByLedger(now) : RefusedLocally(now)) return refused;
  if (concurrency_full) {
    if (slot_full) *slot_full = true;
    return now + 5ms;
  }
  calls_.insert(std::upper_bound(calls_.begin(), calls_.end(), now), now);
  ++day_count_;
  ++in_flight_;
  ++calls_total_;
  dirty_ = true;
  return std::nullopt;
}

std::optional<core::TimePoint> Quota::RefusedLocally(core::TimePoint now) const {
  core::TimePoint earliest = now;
  bool refused = false;
  for (const auto& w : windows_) {
    if (w.limit <= 0) continue;
    if (Sliding(w)) {
      // A call at t counts while t + every_secs + margin > now; the limit-th latest of them must leave.
      auto span = std::chrono::seconds(w.every_secs) + margin_;
      if (CountAfter(now - span) < w.limit) continue;
      earliest = std::max(earliest, calls_[calls_.size() - w.limit] + span);
    } else {
      if (day_count_ < w.limit) continue;
      earliest = std::max(earliest, tz_.StartOfLocalDay(day_ + 1));
    }
    refused = true;
  }
  if (refused) return earliest;
  return std::nullopt;
}

std::optional<core::TimePoint> Quota::RefusedByLedger(core::TimePoint now) {
  // The same windows as RefusedLocally, counted over the calls of every process on this credential: a call
  // at t is in a sliding window of length W while t + W + margin > now.
  std::vector<QuotaWindowCheck> checks;
  std::vector<const QuotaWindowLimit*> checked;
  core::TimePoint day_start = tz_.StartOfLocalDay(day_);
  for (const auto& w : windows_) {
    if (w.limit <= 0) continue;
    int64_t since = Sliding(w) ? core::ToEpochMicros(now - std::chrono::seconds(w.every_secs) - margin_) + 1
                               : core::ToEpochMicros(day_start);
    checks.push_back({since, w.limit});
    checked.push_back(&w);
  }
  if (checks.empty()) {  // no limit to agree on: recorded later, in a batch
    unledgered_us_.push_back(core::ToEpochMicros(now));
    return std::nullopt;
  }
  // The ledger keeps what a limit learned later could still need: the longest window and the vendor's day.
  int64_t forget_before = core::ToEpochMicros(std::min(now - keep_ - margin_, day_start));
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
  for (size_t i = 0; i < checked.size(); ++i) {
    int64_t blocking = admission->blocking_us[i];
    if (blocking == 0) continue;
    const QuotaWindowLimit& w = *checked[i];
    earliest =
        std::max(earliest, Sliding(w) ? core::FromEpochMicros(blocking) + std::chrono::seconds(w.every_secs) + margin_
                                      : tz_.StartOfLocalDay(day_ + 1));
  }
  return earliest;
}

void Quota::Release() {
  std::lock_guard lock(mu_);
  if (in_flight_ > 0) --in_flight_;
}

core::Status Quota::FlushUnledgeredLocked(core::TimePoint now) {
  if (!store_ || unledgered_us_.empty()) return core::Ok();
  int64_t forget_before = core::ToEpochMicros(std::min(now - keep_ - margin_, tz_.StartOfLocalDay(day_)));
  auto st = store_->RecordCalls(key_, unledgered_us_, forget_before);
  if (!st) {
    // Kept for the next try, within what a window could still count.
    constexpr size_t kKeepAtMost = 1'000'000;
    if (unledgered_us_.size() > kKeepAtMost) {
      unledgered_us_.erase(unledgered_us_.begin(),
                           unledgered_us_.begin() + static_cast<std::ptrdiff_t>(unledgered_us_.size() - kKeepAtMost));
    }
    return st;
  }
  unledgered_us_.clear();
  return core::Ok();
}

void Quota::Learn(const core::LearnedLimit& learned) {
  if (learned.limit <= 0) return;
  std::lock_guard lock(mu_);
  // The ledger must hold this process's calls before the new limit is checked against it.
  if (auto st = FlushUnledgeredLocked(clock_.Now()); !st) {
    core::LogWarn("quota " + label_ +
                  ": cannot record calls in the shared call ledger: " + core::Redact(st.error().message()));
  }
  QuotaWindowLimit w = LearnedWindow(learned.window, learned.limit);
  auto same = std::find_if(learned_.begin(), learned_.end(), [&](const auto& l) { return l.SameWindow(w); });
  if (same == learned_.end()) {
    learned_.push_back(w);
    dirty_ = true;
  } else if (same->limit > w.limit) {
    same->limit = w.limit;
    dirty_ = true;
  }
  Rebuild();
}

// The saved state (unchanged since the minute/hour/day quota, so either version reads the other's):
// {"day": vendor day number, "day_count": calls in it, "learned": {window name: limit},
//  "recent_us": the calls kept, epoch microseconds}.
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
    for (const auto& [name, limit] : l->items()) {
      auto w = WindowNamed(name);
      if (!w || !limit.is_number_integer()) continue;
      w->limit = limit.get<int64_t>();
      Lower(learned_, *w);
    }
    Rebuild();
  }
  if (get("day") == tz_.LocalDay(now)) day_count_ = std::max<int64_t>(day_count_, get("day_count").value_or(0));
  if (auto r = j.find("recent_us"); r != j.end() && r->is_array()) {
    for (const auto& v : *r) {
      if (!v.is_number_integer()) continue;
      core::TimePoint t = core::FromEpochMicros(v.get<int64_t>());
      if (t > now || t + keep_ + margin_ <= now) continue;
      calls_.insert(std::upper_bound(calls_.begin(), calls_.end(), t), t);
    }
  }
}

std::string Quota::Snapshot(bool* dirty) {
  std::lock_guard lock(mu_);
  Expire(clock_.Now());
  if (dirty) *dirty = dirty_;
  dirty_ = false;
  nlohmann::json learned = nlohmann::json::object();
  for (const auto& w : learned_) learned[datasource::WindowName(w)] = w.limit;
  nlohmann::json recent = nlohmann::json::array();
  for (const auto& t : calls_) recent.push_back(core::ToEpochMicros(t));
  return core::JsonText(
      nlohmann::json{{"day", day_}, {"day_count", day_count_}, {"learned", learned}, {"recent_us", recent}});
}

void Quota::AttachStore(QuotaStore* store, std::string key, std::string label) {
  std::lock_guard lock(mu_);
  store_ = store;
  key_ = std::move(key);
  label_ = std::move(label);
}

core::Status Quota::Persist() {
  if (!store_) return core::Ok();
  {
    std::lock_guard lock(mu_);
    if (auto st = FlushUnledgeredLocked(clock_.Now()); !st) return st;
  }
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
  std::vector<QuotaWindowUse> out;
  std::vector<int64_t> since_us;    // per entry of `out` but concurrency: where its window starts
  std::vector<int64_t> span_us;     // the sliding window's length; 0 for the vendor's day
  std::vector<int64_t> unledgered;  // this process's calls in the window the ledger has not been told of
  int64_t next_day_us = 0;
  std::string key;
  {
    std::lock_guard lock(mu_);
    core::TimePoint now = clock_.Now();
    auto limit_of = [&](const QuotaWindowLimit& id) -> int64_t {
      auto w = std::find_if(windows_.begin(), windows_.end(), [&](const auto& x) { return x.SameWindow(id); });
      return w == windows_.end() ? 0 : w->limit;
    };
    auto unledgered_since = [&](int64_t since) {
      return static_cast<int64_t>(
          std::count_if(unledgered_us_.begin(), unledgered_us_.end(), [&](int64_t t) { return t >= since; }));
    };
    // A sliding window's use falls when its oldest counted call leaves it.
    auto sliding = [&](std::string name, int64_t limit, std::chrono::seconds span) {
      QuotaWindowUse u{std::move(name), limit, CountAfter(now - span)};
      auto oldest = std::upper_bound(calls_.begin(), calls_.end(), now - span);
      if (oldest != calls_.end()) u.reset_at_us = core::ToEpochMicros(*oldest + span);
      out.push_back(u);
      since_us.push_back(core::ToEpochMicros(now - span) + 1);
      span_us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(span).count());
      unledgered.push_back(unledgered_since(since_us.back()));
    };
    sliding("minute", limit_of(datasource::kMinuteWindow), 60s);
    sliding("hour", limit_of(datasource::kHourWindow), 3600s);
    int32_t today = tz_.LocalDay(now);
    int64_t day_used = today == day_ ? day_count_ : 0;
    next_day_us = core::ToEpochMicros(tz_.StartOfLocalDay(today + 1));
    out.push_back({"day", limit_of(datasource::kVendorDayWindow), day_used, day_used > 0 ? next_day_us : 0});
    since_us.push_back(core::ToEpochMicros(tz_.StartOfLocalDay(today)));
    span_us.push_back(0);
    unledgered.push_back(unledgered_since(since_us.back()));
    for (const auto& w : windows_) {
      if (w.SameWindow(datasource::kMinuteWindow) || w.SameWindow(datasource::kHourWindow) || !Sliding(w)) continue;
      sliding(datasource::WindowName(w), w.limit, std::chrono::seconds(w.every_secs));
    }
    out.push_back({"concurrency", configured_.concurrency.value_or(0), in_flight_});
    if (store_) key = key_;
  }
  if (key.empty()) return out;
  // With a shared ledger the windows count every process's calls on the credential (a `datasync web`
  // beside the daemon sees the daemon's), read outside the lock so that callers of TryAcquire never wait on
  // it. If the ledger does not answer, this process's own view stands.
  auto counts = store_->CountCalls(key, since_us);
  if (!counts || counts->size() != since_us.size()) return out;
  for (size_t i = 0; i < since_us.size(); ++i) {
    const QuotaLedgerCount& c = (*counts)[i];
    QuotaWindowUse& u = out[i];
    u.used = std::max(u.used, c.calls + unledgered[i]);
    if (span_us[i] == 0) {
      u.reset_at_us = u.used > 0 ? next_day_us : 0;
    } else if (c.calls > 0) {
      int64_t ledger_reset = c.oldest_us + span_us[i];
      u.reset_at_us = u.reset_at_us == 0 ? ledger_reset : std::min(u.reset_at_us, ledger_reset);
    }
  }
  return out;
}

datasource::QuotaLimits Quota::limits() const {
  std::lock_guard lock(mu_);
  datasource::QuotaLimits out = configured_;
  out.per_minute.reset();
  out.per_hour.reset();
  out.per_day.reset();
  out.windows = windows_;
  return datasource::Canonical(out);
}

bool Quota::SlotFull() const {
  std::lock_guard lock(mu_);
  return configured_.concurrency && *configured_.concurrency > 0 && in_flight_ >= *configured_.concurrency;
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
  for (const auto& w : windows_) {
    if (w.limit <= 0 || !Sliding(w)) continue;
    secs =
        std::max(secs, static_cast<double>(w.every_secs) * static_cast<double>(calls) / static_cast<double>(w.limit));
  }
  for (const auto& w : windows_) {
    if (w.limit <= 0 || Sliding(w)) continue;
    int64_t used = tz_.LocalDay(now) == day_ ? day_count_ : 0;
    int64_t left_today = std::max<int64_t>(0, w.limit - used);
    if (calls > left_today) {
      int64_t beyond = calls - left_today;
      int64_t full_days = (beyond - 1) / w.limit;  // whole days after tomorrow starts
      double to_midnight = std::chrono::duration<double>(tz_.StartOfLocalDay(tz_.LocalDay(now) + 1) - now).count();
      double tail = static_cast<double>(beyond - full_days * w.limit);
      double per_call = secs / static_cast<double>(calls);  // the sliding windows' pace still applies each day
      secs = std::max(secs, to_midnight + static_cast<double>(full_days) * 86400.0 + tail * per_call);
    }
  }
  return std::chrono::seconds(static_cast<int64_t>(secs + 0.5));
}

Quota& QuotaBook::For(const datasource::DataSource& source, const std::string& api) {
  // The vendor counts per credential: sources sharing one share a budget. The key is a hash, so the
  // credential never reaches the system database. A per_api key is the one earlier versions saved under.
  std::string credential = credential_of_ ? credential_of_(source) : std::string();
  bool per_credential = source.limits.scope == datasource::QuotaScope::kPerCredential;
  std::string key = core::Hex64(core::Fnv1a64(per_credential ? source.endpoint + "\x1f" + credential + "\x1e"
                                                             : source.endpoint + "\x1f" + credential + "\x1f" + api));
  std::lock_guard lock(mu_);
  auto it = quotas_.find(key);
  if (it != quotas_.end()) return *it->second;
  // A budget shared by every API has the source's limits alone (the config loader refuses api_limits there).
  datasource::QuotaLimits limits = source.limits;
  if (auto o = source.api_limits.find(api); o != source.api_limits.end() && !per_credential) {
    limits = datasource::Overridden(source.limits, o->second);
  }
  auto tz = core::TimeZone::Load(source.timezone);
  auto q = std::make_unique<Quota>(limits, clock_, tz ? *tz : core::TimeZone::Utc(),
                                   std::chrono::milliseconds(limits.margin_ms.value_or(500)));
  if (store_) {
    if (auto stored = store_->LoadQuota(key); stored && *stored) q->Restore((*stored)->state_json);
    q->AttachStore(store_, key, source.name + "/" + (per_credential ? "*" : api));
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
