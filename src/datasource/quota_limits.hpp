// QuotaLimits: a vendor's call budget as configured (ARCHITECTURE §6): a list of windows, each "at most
// `limit` calls every `every_secs`", the calls in flight at once, and the scope that says who shares it (one
// API, or every API on the credential). sync::Quota enforces it.
//
// per_minute, per_hour and per_day are the three familiar windows spelled as keys (the YAML sugar, and the
// fields a spec stored by an earlier version holds); `windows` holds any other. Windows() is the one list the
// quota enforces, whichever way a window was written. The day window is not "the last 86400 s" but the
// vendor's calendar day: it resets at midnight in the source's time zone (QuotaWindowKind::kVendorDay).
// Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace datasync::datasource {

enum class QuotaWindowKind : uint8_t {
  kSliding,    // the calls of the last every_secs (the strictest reading of a vendor's "N per minute")
  kVendorDay,  // the calls since the vendor's last midnight in the source's time zone; every_secs is 86400
};

// Who draws from one budget: each API of a credential on its own (Tushare counts per API), or every API of
// the credential together (a vendor that counts per key).
enum class QuotaScope : uint8_t { kPerApi, kPerCredential };

struct QuotaWindowLimit {
  int64_t every_secs = 0;
  int64_t limit = 0;
  QuotaWindowKind kind = QuotaWindowKind::kSliding;

  // Two windows are the same window when they count the same calls, whatever their limits.
  bool SameWindow(const QuotaWindowLimit& o) const { return every_secs == o.every_secs && kind == o.kind; }
  friend bool operator==(const QuotaWindowLimit&, const QuotaWindowLimit&) = default;
};

struct QuotaLimits {
  std::optional<int64_t> per_minute;      // the window {every_secs: 60}
  std::optional<int64_t> per_hour;        // the window {every_secs: 3600}
  std::optional<int64_t> per_day;         // the vendor's day (kVendorDay)
  std::vector<QuotaWindowLimit> windows;  // any other window, in the order written
  std::optional<int64_t> concurrency;     // calls in flight at once
  // Extra time a call stays counted in the sliding windows beyond every_secs: covers the delay between our
  // clock at the call and the vendor's at its arrival. Default 500 ms.
  std::optional<int64_t> margin_ms;
  std::optional<QuotaScope> scope;  // unset: per API

  friend bool operator==(const QuotaLimits&, const QuotaLimits&) = default;
};

inline constexpr QuotaWindowLimit kMinuteWindow{60, 0, QuotaWindowKind::kSliding};
inline constexpr QuotaWindowLimit kHourWindow{3600, 0, QuotaWindowKind::kSliding};
inline constexpr QuotaWindowLimit kVendorDayWindow{86400, 0, QuotaWindowKind::kVendorDay};

// Every window of `limits`, each once: minute, hour and day first (when set), then `windows` in order. A
// window written twice (per_minute and {every_secs: 60}) counts with the later value; the config loader
// refuses such a file, so this only decides for hand-built limits.
std::vector<QuotaWindowLimit> Windows(const QuotaLimits& limits);

// `limits` with its windows in their canonical spelling: the three familiar ones in per_minute, per_hour and
// per_day, the others in `windows` ordered by kind and length.
QuotaLimits Canonical(const QuotaLimits& limits);

// `base` (a source's limits) overridden by `over` (its api_limits entry): each window of `over` replaces the
// same window of `base` or adds to it; concurrency, margin and scope replace when set. Canonical.
QuotaLimits Overridden(const QuotaLimits& base, const QuotaLimits& over);

// The window's name in usage reports, metrics and the saved state: "minute", "hour" and "day" for the three
// familiar windows, otherwise the length ("90s").
std::string WindowName(const QuotaWindowLimit& window);

std::string_view QuotaScopeName(QuotaScope scope);  // "per_api", "per_credential"
std::optional<QuotaScope> ParseQuotaScope(std::string_view name);
std::string_view QuotaWindowKindName(QuotaWindowKind kind);  // "sliding", "vendor_day"
std::optional<QuotaWindowKind> ParseQuotaWindowKind(std::string_view name);

}  // namespace datasync::datasource
