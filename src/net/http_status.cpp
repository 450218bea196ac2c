#include "net/http_status.hpp"

#include <algorithm>

#include "core/dates.hpp"
#include "core/excerpt.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::net {

using core::ErrorKind;

std::optional<core::Error> ClassifyHttpStatus(long status, std::string_view retry_after, std::string_view body,
                                              const HttpStatusContext& ctx) {
  if (status == 200) return std::nullopt;
  std::string text = ctx.prefix + "HTTP " + std::to_string(status) + " from the vendor";
  if (!body.empty()) text += " (body: " + core::Excerpt(core::Trim(body)) + ")";
  auto wait = ParseRetryAfter(retry_after, ctx.now);
  ErrorKind kind;
  if (status == 429) {
    kind = ErrorKind::kRateLimited;
    if (!wait) wait = ctx.rate_limit_wait;
    text += "; cooling down for " + std::to_string(wait->count() / 1000) + " s";
  } else if (status >= 500 || status == 408) {
    kind = ErrorKind::kTransient;
  } else if (status == 401 || status == 403) {
    kind = ErrorKind::kPermission;
    if (!ctx.auth_advice.empty()) text += "; " + ctx.auth_advice;
  } else {
    kind = ErrorKind::kPermanent;
    if (status == 404 && !ctx.not_found_advice.empty()) text += "; " + ctx.not_found_advice;
  }
  core::Error e(kind, core::Redact(text));
  e.WithCode("http:" + std::to_string(status));
  if (wait) e.retry_after = *wait;
  return e;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, core::TimePoint now) {
  value = core::Trim(value);
  if (value.empty()) return std::nullopt;
  constexpr std::chrono::milliseconds kMax = kMaxRetryAfter;
  if (std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    // Saturating: any number of digits, never past the clamp, so secs * 1000 cannot overflow.
    int64_t secs = 0;
    for (char c : value) {
      secs = std::min<int64_t>(secs * 10 + (c - '0'), kMaxRetryAfter.count());
    }
    return std::chrono::milliseconds(secs * 1000);
  }
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (value.size() != 29 || value[3] != ',' || value.substr(26) != "GMT") return std::nullopt;
  auto num = [&](size_t pos, size_t n) -> std::optional<uint32_t> {
    uint32_t v = 0;
    for (size_t i = pos; i < pos + n; ++i) {
      if (value[i] < '0' || value[i] > '9') return std::nullopt;
      v = v * 10 + static_cast<uint32_t>(value[i] - '0');
    }
    return v;
  };
  auto day = num(5, 2), year = num(12, 4), hh = num(17, 2), mm = num(20, 2), ss = num(23, 2);
  uint32_t month = 0;
  for (uint32_t i = 0; i < 12; ++i) {
    if (value.substr(8, 3) == kMonths[i]) month = i + 1;
  }
  if (!day || !year || !hh || !mm || !ss || month == 0 || *hh > 23 || *mm > 59 || *ss > 60) return std::nullopt;
  core::CivilDate civil{static_cast<int32_t>(*year), month, *day};
  if (!core::IsValidCivil(civil)) return std::nullopt;
  int64_t secs = int64_t{core::DaysFromCivil(civil)} * 86400 + *hh * 3600 + *mm * 60 + *ss;
  // Compared in seconds first: years such as 0001 or 9999 are beyond what the clock's nanosecond
  // time_point holds.
  int64_t now_secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (secs <= now_secs) return std::chrono::milliseconds(0);
  if (secs - now_secs > kMaxRetryAfter.count()) return kMax;
  auto at = core::TimePoint(std::chrono::seconds(secs));
  if (at <= now) return std::chrono::milliseconds(0);
  return std::min(kMax, std::chrono::duration_cast<std::chrono::milliseconds>(at - now));
}

}  // namespace datasync::net
