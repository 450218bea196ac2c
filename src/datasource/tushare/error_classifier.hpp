// Classification of everything Tushare can answer besides data (ARCHITECTURE §5): business errors
// (HTTP 200 with code != 0 and a Chinese message), and HTTP statuses (net/http_status.hpp, with
// Tushare's advice).
//
// The provider classifies; sync/ decides. Every Error carries the vendor's code (WithCode) and, where
// the message states a limit, the learned limit and when to try again (retry_after for per-minute
// limits, reset_at for hourly/daily quotas, computed in the source's time zone).
// Pure functions of their inputs (the clock is passed in); thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/excerpt.hpp"
#include "core/time_zone.hpp"

namespace datasync::datasource::tushare {

struct ErrorContext {
  std::string_view api;                // "daily"
  std::string_view source_name;        // "tushare", for "sources.<name>.token" advice
  std::string_view token_ref;          // the configured reference ("${TUSHARE_TOKEN}"), never the value
  const core::TimeZone* tz = nullptr;  // the vendor's day; UTC when null
  core::TimePoint now{};
  // Suggested cool-down for per-minute limits. The vendor counts a rolling minute, and without our own
  // call history the only safe wait is the whole window.
  std::chrono::seconds minute_wait{60};
};

// What a limit/permission message says, parsed from the vendor's text.
struct LimitMessage {
  enum class Kind : uint8_t { kNone, kPerMinute, kPerHour, kPerDay, kNoPermission };
  Kind kind = Kind::kNone;
  int64_t limit = 0;  // N of "N次", 0 when the text has none
  std::string api;    // the API named in "没有接口(x)访问权限", if any
};
LimitMessage ParseLimitMessage(std::string_view msg);

// A response with code != 0.
core::Error ClassifyBusinessError(int64_t code, std::string_view msg, const ErrorContext& ctx);

// A non-200 HTTP status; nullopt for 200. net::ClassifyHttpStatus with Tushare's words: the token
// advice on 401/403, the url_style hint on 404, `minute_wait` for a 429 without Retry-After.
std::optional<core::Error> ClassifyHttpStatus(long status, std::string_view retry_after, std::string_view body,
                                              const ErrorContext& ctx);

// The next top of the hour / next midnight in `tz` after `now`.
core::TimePoint NextLocalHour(const core::TimeZone& tz, core::TimePoint now);
core::TimePoint NextLocalMidnight(const core::TimeZone& tz, core::TimePoint now);

using core::Excerpt;  // core/excerpt.hpp

}  // namespace datasync::datasource::tushare
