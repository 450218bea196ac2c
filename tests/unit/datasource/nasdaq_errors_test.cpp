// Nasdaq Data Link error classification: every QE class to its kind, the waits and resets that come with
// them, the 202 "try again in 30 seconds" as a cool-down the engine does not count as an attempt, a daily
// limit deferred to the vendor's next day (never retried), and no API key in any message.
#include <gtest/gtest.h>

#include "core/dates.hpp"
#include "datasource/nasdaq/error_classifier.hpp"
#include "sync/error_policy.hpp"

namespace datasync::datasource::nasdaq {
namespace {

using core::ErrorKind;
using namespace std::chrono_literals;

core::TimePoint Utc(const char* text) {
  return core::FromEpochMicros(*core::ParseTimestamp(text));
}

class NdlErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ctx_.api = "datatables/QSIM/EQ";
    ctx_.source_name = "ndl";
    ctx_.key_ref = "${NDL_API_KEY}";
    ctx_.now = Utc("2026-12-06 22:17:33");
  }
  core::Error Classify(long status, const char* code, const char* message = "msg", const char* retry_after = "") {
    return ClassifyVendorError(status, retry_after, code, message, ctx_);
  }
  ErrorContext ctx_;
};

TEST(NdlVendorCodeTest, TheLetterAfterQEIsTheClass) {
  auto c = ParseVendorCode("QELx02");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->letter, 'L');
  EXPECT_EQ(c->number, 2);
  EXPECT_EQ(ParseVendorCode("QEAx07")->letter, 'A');
  EXPECT_EQ(ParseVendorCode("QExx01")->letter, 'X');
  EXPECT_FALSE(ParseVendorCode("QEL"));
  EXPECT_FALSE(ParseVendorCode("E400"));
  EXPECT_FALSE(ParseVendorCode("QELx0a"));
}

TEST_F(NdlErrorsTest, DailyLimitsDeferToTheVendorsNextDayInTheSourceZone) {
  for (const char* code : {"QELx01", "QELx02", "QELx03"}) {
    core::Error e = Classify(429, code, "You have exceeded the API speed limit of 50000 calls per day.", "5");
    EXPECT_EQ(e.kind(), ErrorKind::kQuotaExhausted) << code;
    ASSERT_TRUE(e.reset_at) << code;
    EXPECT_EQ(*e.reset_at, Utc("2026-12-07 00:00:00")) << "UTC is the default day";
    EXPECT_FALSE(e.retry_after) << "a daily limit is not a cool-down, whatever Retry-After says";
    EXPECT_EQ(e.code(), code);
    EXPECT_NE(e.message().find("daily limit"), std::string::npos);
    // The engine defers the run to the reset; it never retries within the day.
    sync::Decision d = sync::Decide(e, 1, {}, ctx_.now, 0.5);
    EXPECT_EQ(d.action, sync::Action::kDefer);
    EXPECT_EQ(d.not_before, Utc("2026-12-07 00:00:00"));
  }
  auto ny = core::TimeZone::Load("America/New_York");
  ASSERT_TRUE(ny);
  ctx_.tz = &*ny;
  EXPECT_EQ(*Classify(429, "QELx01").reset_at, Utc("2026-12-07 05:00:00")) << "midnight in New York";
}

TEST_F(NdlErrorsTest, TenMinuteLimitsCoolDownWithRetryAfterOrTheConfiguredWait) {
  core::Error e = Classify(429, "QELx04", "10 minute limit", "120");
  EXPECT_EQ(e.kind(), ErrorKind::kRateLimited);
  EXPECT_EQ(e.retry_after, 120'000ms);
  ctx_.rate_limit_wait = 45s;
  EXPECT_EQ(Classify(429, "QELx05").retry_after, 45'000ms);
  EXPECT_EQ(sync::Decide(Classify(429, "QELx05"), 1, {}, ctx_.now, 0).action, sync::Action::kCool);
}

TEST_F(NdlErrorsTest, TooLargeIsTruncatedOnlyWhenTheRequestCanBeNarrowed) {
  for (const char* code : {"QELx06", "QELx07", "QELx08"}) {
    ctx_.can_split = true;
    EXPECT_EQ(Classify(413, code).kind(), ErrorKind::kTruncated) << code;
    EXPECT_EQ(sync::Decide(Classify(413, code), 1, {}, ctx_.now, 0).action, sync::Action::kSplit);
    ctx_.can_split = false;
    core::Error e = Classify(413, code);
    EXPECT_EQ(e.kind(), ErrorKind::kPermanent) << code;
    EXPECT_NE(e.message().find("cannot be narrowed"), std::string::npos);
  }
}

// QEAx07 ("try again in 30 seconds") arrives as HTTP 202 with no data; with or without its error object it
// is a 30 s cool-down, which sync::Decide turns into kCool whatever the attempts so far (the executor then
// keeps the task's attempt count: executor_test RateLimitCoolsDownWithoutCountingAnAttempt...).
TEST_F(NdlErrorsTest, TryAgainLaterIsAThirtySecondCoolDownThatIsNoFailedAttempt) {
  core::Error coded = Classify(202, "QEAx07", "Please try again in 30 seconds.");
  auto bare = ClassifyBareStatus(202, "", "", ctx_);
  ASSERT_TRUE(bare);
  for (const core::Error& e : {coded, *bare}) {
    EXPECT_EQ(e.kind(), ErrorKind::kRateLimited) << e.ToString();
    EXPECT_EQ(e.retry_after, 30'000ms);
    sync::RetryPolicy policy;
    policy.max_attempts = 3;
    // At the last attempt a failure would fail the task; a cool-down does not.
    sync::Decision d = sync::Decide(e, policy.max_attempts, policy, ctx_.now, 0.0);
    EXPECT_EQ(d.action, sync::Action::kCool);
    EXPECT_EQ(d.not_before, ctx_.now + 30s);
  }
  EXPECT_EQ(ClassifyBareStatus(202, "7", "", ctx_)->retry_after, 7'000ms) << "Retry-After wins when given";
}

TEST_F(NdlErrorsTest, EveryOtherClassHasItsKind) {
  struct Case {
    long status;
    const char* code;
    ErrorKind kind;
    const char* says;
  };
  for (const auto& c : std::vector<Case>{
           {400, "QEAx01", ErrorKind::kPermission, "${NDL_API_KEY}"},
           {403, "QEPx02", ErrorKind::kPermission, "subscription"},
           {400, "QESx01", ErrorKind::kInvalidInput, "params"},
           {422, "QESx08", ErrorKind::kInvalidInput, "filterable"},
           {400, "QESx06", ErrorKind::kInvalidInput, "params"},
           {404, "QECx02", ErrorKind::kInvalidInput, "no such data"},
           {500, "QEMx01", ErrorKind::kTransient, "server error"},
           {503, "QEXx01", ErrorKind::kTransient, "server error"},
           {418, "QEZx01", ErrorKind::kPermanent, "unexpected vendor error"},
           {503, "OTHER", ErrorKind::kTransient, "HTTP 503"},
       }) {
    core::Error e = Classify(c.status, c.code);
    EXPECT_EQ(e.kind(), c.kind) << c.code << ": " << e.ToString();
    EXPECT_NE(e.message().find(c.says), std::string::npos) << c.code << ": " << e.message();
    EXPECT_EQ(e.message().rfind("nasdaq_data_link datatables/QSIM/EQ: ", 0), 0u) << e.message();
  }
  // QEC (not found) skips the task, QEA/QEP stop the run, QEM/QEX are retried.
  EXPECT_EQ(sync::Decide(Classify(404, "QECx02"), 1, {}, ctx_.now, 0).action, sync::Action::kSkip);
  EXPECT_EQ(sync::Decide(Classify(400, "QEAx01"), 1, {}, ctx_.now, 0).action, sync::Action::kStopRun);
  EXPECT_EQ(sync::Decide(Classify(500, "QEMx01"), 1, {}, ctx_.now, 0).action, sync::Action::kRetry);
}

TEST_F(NdlErrorsTest, AnonymousSourcesAreToldHowToSetAKey) {
  ctx_.key_ref = "";
  core::Error e = Classify(400, "QEAx01");
  EXPECT_NE(e.message().find("without an API key"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("sources.ndl.api_key"), std::string::npos) << e.message();
}

TEST_F(NdlErrorsTest, BareStatusesAndTheKeyNeverQuoted) {
  auto gateway = ClassifyBareStatus(502, "", "<html>upstream https://h/x?api_key=SECRETKEY123 failed</html>", ctx_);
  ASSERT_TRUE(gateway);
  EXPECT_EQ(gateway->kind(), ErrorKind::kTransient);
  EXPECT_EQ(gateway->message().find("SECRETKEY123"), std::string::npos) << gateway->message();
  auto limited = ClassifyBareStatus(429, "", "", ctx_);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->kind(), ErrorKind::kRateLimited);
  EXPECT_EQ(limited->retry_after, 60'000ms);
  auto unavailable = ClassifyBareStatus(503, "9", "", ctx_);
  EXPECT_EQ(unavailable->retry_after, 9'000ms) << "a 503's Retry-After is kept";
  EXPECT_FALSE(ClassifyBareStatus(200, "", "", ctx_));
  core::Error quoted = Classify(400, "QESx01", "bad request api_key=SECRETKEY123");
  EXPECT_EQ(quoted.message().find("SECRETKEY123"), std::string::npos) << quoted.message();
}

}  // namespace
}  // namespace datasync::datasource::nasdaq
