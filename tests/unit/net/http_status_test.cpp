#include "net/http_status.hpp"

#include <gtest/gtest.h>

#include "core/dates.hpp"

namespace datasync::net {
namespace {

using core::ErrorKind;
using namespace std::chrono_literals;

core::TimePoint Now() {
  return core::FromEpochMicros(*core::ParseTimestamp("2026-11-21 10:17:33"));
}

HttpStatusContext Context() {
  HttpStatusContext ctx;
  ctx.prefix = "vendor prices: ";
  ctx.now = Now();
  ctx.rate_limit_wait = 45s;
  return ctx;
}

TEST(HttpStatusTest, OkIsNoError) {
  EXPECT_FALSE(ClassifyHttpStatus(200, "", "{}", Context()));
}

TEST(HttpStatusTest, ServerErrorsAndTimeoutsAreTransientAndQuoteTheBody) {
  for (long s : {500L, 502L, 503L, 504L, 408L}) {
    auto e = ClassifyHttpStatus(s, "", "  <html>busy</html>\n", Context());
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind(), ErrorKind::kTransient) << s;
    EXPECT_EQ(e->code(), "http:" + std::to_string(s));
    EXPECT_EQ(e->message(), "vendor prices: HTTP " + std::to_string(s) + " from the vendor (body: <html>busy</html>)");
    EXPECT_FALSE(e->retry_after);
  }
  EXPECT_EQ(*ClassifyHttpStatus(503, "120", "", Context())->retry_after, 120s);
}

TEST(HttpStatusTest, TooManyRequestsCoolsDownForRetryAfterOrTheDefault) {
  auto limited = ClassifyHttpStatus(429, "7", "", Context());
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->kind(), ErrorKind::kRateLimited);
  EXPECT_EQ(*limited->retry_after, 7s);
  EXPECT_EQ(limited->message(), "vendor prices: HTTP 429 from the vendor; cooling down for 7 s");
  EXPECT_EQ(*ClassifyHttpStatus(429, "Sat, 21 Nov 2026 10:18:03 GMT", "", Context())->retry_after, 30s);
  EXPECT_EQ(*ClassifyHttpStatus(429, "", "", Context())->retry_after, 45s);
  EXPECT_EQ(*ClassifyHttpStatus(429, "whenever", "", Context())->retry_after, 45s);
}

TEST(HttpStatusTest, AuthAndNotFoundCarryTheVendorsAdvice) {
  HttpStatusContext ctx = Context();
  for (long s : {401L, 403L}) {
    auto bare = ClassifyHttpStatus(s, "", "", ctx);
    EXPECT_EQ(bare->kind(), ErrorKind::kPermission) << s;
    EXPECT_EQ(bare->message(), "vendor prices: HTTP " + std::to_string(s) + " from the vendor");
  }
  ctx.auth_advice = "check the api_key option";
  ctx.not_found_advice = "check the endpoint";
  EXPECT_EQ(ClassifyHttpStatus(401, "", "", ctx)->message(),
            "vendor prices: HTTP 401 from the vendor; check the api_key option");
  auto missing = ClassifyHttpStatus(404, "", "", ctx);
  EXPECT_EQ(missing->kind(), ErrorKind::kPermanent);
  EXPECT_EQ(missing->message(), "vendor prices: HTTP 404 from the vendor; check the endpoint");
  for (long s : {301L, 400L, 418L}) {
    auto e = ClassifyHttpStatus(s, "", "", ctx);
    EXPECT_EQ(e->kind(), ErrorKind::kPermanent) << s;
    EXPECT_EQ(e->code(), "http:" + std::to_string(s));
    EXPECT_EQ(e->message().find("check"), std::string::npos) << e->message();
  }
}

TEST(RetryAfterTest, DeltaSecondsAndHttpDates) {
  core::TimePoint now = Now();
  EXPECT_EQ(*ParseRetryAfter("0", now), 0s);
  EXPECT_EQ(*ParseRetryAfter(" 120 ", now), 120s);
  EXPECT_EQ(*ParseRetryAfter("Sat, 21 Nov 2026 11:17:33 GMT", now), 3600s);
  EXPECT_EQ(*ParseRetryAfter("Sat, 21 Nov 2026 10:00:00 GMT", now), 0s);  // already past
  EXPECT_FALSE(ParseRetryAfter("", now));
  EXPECT_FALSE(ParseRetryAfter("-5", now));
  EXPECT_FALSE(ParseRetryAfter("soon", now));
  EXPECT_FALSE(ParseRetryAfter("Sat, 21 Foo 2026 10:00:00 GMT", now));
  EXPECT_FALSE(ParseRetryAfter("Sat, 31 Nov 2026 10:00:00 GMT", now));
}

// A hostile or broken server's number must neither overflow (secs * 1000 was signed overflow, UB) nor park
// a task for longer than kMaxRetryAfter; negative numbers stay unreadable.
TEST(RetryAfterTest, HugeValuesAndFarDatesAreClampedToTheMaximum) {
  core::TimePoint now = Now();
  ASSERT_EQ(kMaxRetryAfter, 24h);
  EXPECT_EQ(*ParseRetryAfter("86400", now), 24h);
  EXPECT_EQ(*ParseRetryAfter("86401", now), 24h);
  EXPECT_EQ(*ParseRetryAfter("9223372036854775", now), 24h);         // * 1000 overflows int64
  EXPECT_EQ(*ParseRetryAfter("9223372036854775807", now), 24h);      // INT64_MAX
  EXPECT_EQ(*ParseRetryAfter("99999999999999999999999", now), 24h);  // beyond int64 altogether
  EXPECT_EQ(*ParseRetryAfter("000000000000000000000007", now), 7s);
  EXPECT_FALSE(ParseRetryAfter("-9223372036854775808", now));
  EXPECT_FALSE(ParseRetryAfter("-1", now));
  // HTTP-dates beyond the nanosecond clock's range (years 1677..2262) on either side.
  EXPECT_EQ(*ParseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now), 24h);
  EXPECT_EQ(*ParseRetryAfter("Sun, 22 Nov 2026 10:17:34 GMT", now), 24h);  // one second past the clamp
  EXPECT_EQ(*ParseRetryAfter("Sun, 22 Nov 2026 10:17:33 GMT", now), 24h);  // exactly a day
  EXPECT_EQ(*ParseRetryAfter("Mon, 01 Jan 0001 00:00:00 GMT", now), 0s);
  auto e = ClassifyHttpStatus(429, "99999999999999999999", "", Context());
  ASSERT_TRUE(e);
  EXPECT_EQ(*e->retry_after, 24h);
  EXPECT_EQ(e->message(), "vendor prices: HTTP 429 from the vendor; cooling down for 86400 s");
}

}  // namespace
}  // namespace datasync::net
