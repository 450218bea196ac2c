#include "datasource/quota_limits.hpp"

#include <algorithm>

namespace datasync::datasource {

namespace {

void Put(std::vector<QuotaWindowLimit>& out, const QuotaWindowLimit& w) {
  auto same = std::find_if(out.begin(), out.end(), [&](const QuotaWindowLimit& o) { return o.SameWindow(w); });
  if (same != out.end()) {
    same->limit = w.limit;
  } else {
    out.push_back(w);
  }
}

QuotaWindowLimit With(QuotaWindowLimit w, int64_t limit) {
  w.limit = limit;
  return w;
}

}  // namespace

std::vector<QuotaWindowLimit> Windows(const QuotaLimits& limits) {
  std::vector<QuotaWindowLimit> out;
  if (limits.per_minute) Put(out, With(kMinuteWindow, *limits.per_minute));
  if (limits.per_hour) Put(out, With(kHourWindow, *limits.per_hour));
  if (limits.per_day) Put(out, With(kVendorDayWindow, *limits.per_day));
  for (const auto& w : limits.windows) Put(out, w);
  return out;
}

QuotaLimits Canonical(const QuotaLimits& limits) {
  QuotaLimits out = limits;
  out.per_minute.reset();
  out.per_hour.reset();
  out.per_day.reset();
  out.windows.clear();
  for (const auto& w : Windows(limits)) {
    if (w.SameWindow(kMinuteWindow)) {
      out.per_minute = w.limit;
    } else if (w.SameWindow(kHourWindow)) {
      out.per_hour = w.limit;
    } else if (w.SameWindow(kVendorDayWindow)) {
      out.per_day = w.limit;
    } else {
      out.windows.push_back(w);
    }
  }
  std::sort(out.windows.begin(), out.windows.end(), [](const QuotaWindowLimit& a, const QuotaWindowLimit& b) {
    return a.kind != b.kind ? a.kind < b.kind : a.every_secs < b.every_secs;
  });
  return out;
}

QuotaLimits Overridden(const QuotaLimits& base, const QuotaLimits& over) {
  QuotaLimits out = base;
  out.per_minute.reset();
  out.per_hour.reset();
  out.per_day.reset();
  out.windows = Windows(base);
  for (const auto& w : Windows(over)) Put(out.windows, w);
  if (over.concurrency) out.concurrency = over.concurrency;
  if (over.margin_ms) out.margin_ms = over.margin_ms;
  if (over.scope) out.scope = over.scope;
  return Canonical(out);
}

std::string WindowName(const QuotaWindowLimit& window) {
  if (window.SameWindow(kMinuteWindow)) return "minute";
  if (window.SameWindow(kHourWindow)) return "hour";
  if (window.kind == QuotaWindowKind::kVendorDay) return "day";
  return std::to_string(window.every_secs) + "s";
}

std::string_view QuotaScopeName(QuotaScope scope) {
  return scope == QuotaScope::kPerCredential ? "per_credential" : "per_api";
}

std::optional<QuotaScope> ParseQuotaScope(std::string_view name) {
  if (name == "per_api") return QuotaScope::kPerApi;
  if (name == "per_credential") return QuotaScope::kPerCredential;
  return std::nullopt;
}

std::string_view QuotaWindowKindName(QuotaWindowKind kind) {
  return kind == QuotaWindowKind::kVendorDay ? "vendor_day" : "sliding";
}

std::optional<QuotaWindowKind> ParseQuotaWindowKind(std::string_view name) {
  if (name == "sliding") return QuotaWindowKind::kSliding;
  if (name == "vendor_day") return QuotaWindowKind::kVendorDay;
  return std::nullopt;
}

}  // namespace datasync::datasource
