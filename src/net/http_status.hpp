// Classification of an HTTP answer's status line (ARCHITECTURE §5) for every provider that speaks HTTP:
// 429 is RATE_LIMITED (with Retry-After, else the caller's default wait), 5xx and 408 TRANSIENT, 401/403
// PERMISSION, anything else but 200 PERMANENT. Vendors add their own words (how to fix a credential, what
// a 404 usually means) through the context; their business errors inside a 200 stay theirs.
//
// Pure functions of their inputs (the clock is passed in); thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace datasync::net {

struct HttpStatusContext {
  std::string prefix;     // starts the message: "tushare daily: "
  core::TimePoint now{};  // what an HTTP-date Retry-After is relative to
  // The cool-down of a 429 without a readable Retry-After.
  std::chrono::milliseconds rate_limit_wait{std::chrono::seconds(60)};
  std::string auth_advice;       // appended to 401/403: how to fix the credential; empty = none
  std::string not_found_advice;  // appended to 404: usually a wrong endpoint; empty = none
};

// nullopt for 200. Otherwise an Error with code "http:<status>", a redacted message quoting a short
// excerpt of `body`, and retry_after whenever Retry-After is readable (a 503 that says when to come back
// keeps that hint).
std::optional<core::Error> ClassifyHttpStatus(long status, std::string_view retry_after, std::string_view body,
                                              const HttpStatusContext& ctx);

// The longest wait a Retry-After may ask for. A server's number is untrusted: "99999999999999999999" or a date
// in the year 9999 would otherwise overflow the arithmetic on it (or park a task for centuries). A day is
// longer than any vendor's rate-limit window; a quota that really lasts longer is the engine's deferral
// (QUOTA_EXHAUSTED with reset_at), not a cool-down.
inline constexpr std::chrono::seconds kMaxRetryAfter{24 * 3600};

// Retry-After as delta-seconds or an HTTP-date (RFC 9110 §10.2.3), relative to `now`, clamped to
// kMaxRetryAfter; nullopt when absent or unreadable (a negative number is unreadable: delta-seconds are
// digits only). A date in the past gives zero.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value, core::TimePoint now);

}  // namespace datasync::net
