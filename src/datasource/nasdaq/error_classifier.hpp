// Classification of everything Nasdaq Data Link answers besides data (ARCHITECTURE §5): the vendor's
// error codes (`{"quandl_error":{"code":"QELx02","message":"..."}}`, https://docs.data.nasdaq.com/docs/
// error-codes-1) and bare HTTP statuses (net/http_status.hpp, with this provider's advice).
//
// The letter after "QE" is the class: L limits (x01-03 daily -> QUOTA_EXHAUSTED at the vendor's next day;
// x04-05 the 10-minute limits -> RATE_LIMITED; x06-08 too many rows / too long / too large -> TRUNCATED
// when the request can be narrowed, else PERMANENT), A authentication (x07, "try again in 30 seconds",
// which arrives as HTTP 202 -> RATE_LIMITED 30 s, a cool-down the engine does not count as an attempt),
// P permission, S bad parameter (INVALID_INPUT; the invalid cursor x06 is restarted before it gets here,
// cursor_chain.hpp), C not found (INVALID_INPUT: the task is skipped, the run goes on), M and X server
// errors (TRANSIENT). A daily limit is never retried within the day, unlike the official client, which
// retries every 429 alike.
//
// Pure functions of their inputs (the clock is passed in); thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/time_zone.hpp"

namespace datasync::datasource::nasdaq {

struct ErrorContext {
  std::string_view api;                // "datatables/QSIM/EQ"
  std::string_view source_name;        // for "sources.<name>.api_key" advice
  std::string_view key_ref;            // the configured reference ("${NDL_API_KEY}"), never the value; "" = none
  const core::TimeZone* tz = nullptr;  // the vendor's day; UTC when null
  core::TimePoint now{};
  std::chrono::seconds rate_limit_wait{60};  // a 10-minute limit or a 429 without Retry-After
  bool can_split = false;                    // the request can be narrowed (QELx06-08 -> TRUNCATED)
};

// A vendor code split into its class letter and number: "QELx02" -> {'L', 2}; nullopt when it is not one.
struct VendorCode {
  char letter = 0;
  int number = 0;
};
std::optional<VendorCode> ParseVendorCode(std::string_view code);

// An answer carrying a vendor error: its HTTP status, Retry-After header, code and message.
core::Error ClassifyVendorError(long status, std::string_view retry_after, std::string_view code,
                                std::string_view message, const ErrorContext& ctx);

// An answer without a vendor error object: nullopt for 200; HTTP 202 (QEAx07 without a body) is
// RATE_LIMITED 30 s; every other status goes through net::ClassifyHttpStatus with this provider's advice.
std::optional<core::Error> ClassifyBareStatus(long status, std::string_view retry_after, std::string_view body,
                                              const ErrorContext& ctx);

// The vendor's next day boundary after `now` in `tz`.
core::TimePoint NextVendorDay(const core::TimeZone& tz, core::TimePoint now);

inline constexpr std::chrono::seconds kTryAgainWait{30};  // QEAx07

}  // namespace datasync::datasource::nasdaq
