#include <gtest/gtest.h>

#include <memory>

#include "core/dates.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "datasource/tushare/error_classifier.hpp"

namespace datasync::datasource::tushare {
namespace {

using core::ErrorKind;
using core::QuotaWindow;
using namespace std::chrono_literals;

core::TimePoint Utc(const char* text) {
  return core::FromEpochMicros(*core::ParseTimestamp(text));
}
std::string Text(core::TimePoint t) {
  return core::FormatTimestamp(core::ToEpochMicros(t));
}

// The vendor's messages, verbatim from the fixture README (and the full forms the vendor sends).
constexpr const char* kBadToken = "您的token不对，请确认。";
constexpr const char* kPerMinute =
    "抱歉，您每分钟最多访问该接口200次，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。";
constexpr const char* kPerMinuteNewElided = "抱歉，您访问接口(daily)频率超限(400次/分钟)，…";
constexpr const char* kPerMinuteNew =
    "抱歉，您访问接口(daily)频率超限(400次/分钟)，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。";
constexpr const char* kPerHourElided = "…每小时最多访问该接口1次…";
constexpr const char* kPerHour =
    "抱歉，您每小时最多访问该接口1次，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。";
constexpr const char* kPerDay =
    "抱歉，您每天最多访问该接口100000次，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。";
constexpr const char* kNoPermissionElided = "抱歉，您没有接口(fund_daily)访问权限，…";
constexpr const char* kNoPermission =
    "抱歉，您没有接口(fund_daily)访问权限，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。";
constexpr const char* kUnknownField = "接口trade_cal不包含字段exchange_id";
constexpr const char* kInternal = "系统内部错误";

class ClassifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tz = core::TimeZone::Load("Asia/Shanghai");
    ASSERT_TRUE(tz);
    tz_ = std::make_unique<core::TimeZone>(*tz);
    ctx_.api = "daily";
    ctx_.source_name = "tushare";
    ctx_.token_ref = "${TUSHARE_TOKEN}";
    ctx_.tz = tz_.get();
    ctx_.now = Utc("2026-11-21 10:17:33");  // 18:17:33 in Shanghai
  }
  std::unique_ptr<core::TimeZone> tz_;
  ErrorContext ctx_;
};

TEST(LimitMessageTest, ExtractsWindowAndNFromEveryKnownForm) {
  using K = LimitMessage::Kind;
  struct Case {
    const char* msg;
    K kind;
    int64_t n;
  };
  for (const Case& c :
       {Case{kPerMinute, K::kPerMinute, 200}, Case{kPerMinuteNewElided, K::kPerMinute, 400},
        Case{kPerMinuteNew, K::kPerMinute, 400}, Case{kPerHourElided, K::kPerHour, 1}, Case{kPerHour, K::kPerHour, 1},
        Case{kPerDay, K::kPerDay, 100000}, Case{"…每天最多访问该接口20000次…", K::kPerDay, 20000},
        Case{"抱歉，您访问接口(daily)频率超限（500次/分钟）", K::kPerMinute, 500},
        Case{"抱歉，您访问接口(daily)频率超限(10次/小时)", K::kPerHour, 10}, Case{kNoPermission, K::kNoPermission, 0},
        Case{kNoPermissionElided, K::kNoPermission, 0}, Case{kBadToken, K::kNone, 0}, Case{kUnknownField, K::kNone, 0},
        Case{kInternal, K::kNone, 0}, Case{"", K::kNone, 0}}) {
    LimitMessage m = ParseLimitMessage(c.msg);
    EXPECT_EQ(m.kind, c.kind) << c.msg;
    EXPECT_EQ(m.limit, c.n) << c.msg;
  }
  EXPECT_EQ(ParseLimitMessage(kNoPermission).api, "fund_daily");
  // "N" without digits (as the README writes the daily form) still classifies, with no number learned.
  LimitMessage placeholder = ParseLimitMessage("…每天最多访问该接口N次…");
  EXPECT_EQ(placeholder.kind, K::kPerDay);
  EXPECT_EQ(placeholder.limit, 0);
}

TEST_F(ClassifierTest, BadTokenIsPermissionAndPointsAtTheVariable) {
  core::RegisterSecret("tok-0123456789abcdef");
  core::Error e = ClassifyBusinessError(40101, kBadToken, ctx_);
  EXPECT_EQ(e.kind(), ErrorKind::kPermission);
  EXPECT_EQ(e.code(), "40101");
  EXPECT_NE(e.message().find("TUSHARE_TOKEN"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("sources.tushare.token"), std::string::npos) << e.message();
  EXPECT_NE(e.message().find(kBadToken), std::string::npos) << e.message();
  EXPECT_EQ(e.message().find("tok-0123456789abcdef"), std::string::npos);
  EXPECT_FALSE(e.retry_after);
}

TEST_F(ClassifierTest, PerMinuteLimitsAreRateLimitedWithLearnedLimit) {
  for (auto [msg, n] :
       {std::pair{kPerMinute, 200}, std::pair{kPerMinuteNew, 400}, std::pair{kPerMinuteNewElided, 400}}) {
    core::Error e = ClassifyBusinessError(40203, msg, ctx_);
    EXPECT_EQ(e.kind(), ErrorKind::kRateLimited) << msg;
    EXPECT_EQ(e.code(), "40203");
    ASSERT_TRUE(e.retry_after);
    EXPECT_EQ(*e.retry_after, 60s);
    ASSERT_TRUE(e.learned_limit);
    EXPECT_EQ(e.learned_limit->window, QuotaWindow::kMinute);
    EXPECT_EQ(e.learned_limit->limit, n);
    EXPECT_FALSE(e.reset_at);
    EXPECT_NE(e.message().find(msg), std::string::npos) << e.message();
  }
  ctx_.minute_wait = 65s;
  EXPECT_EQ(*ClassifyBusinessError(40203, kPerMinute, ctx_).retry_after, 65s);
}

TEST_F(ClassifierTest, PerHourQuotaResetsAtTheNextLocalHour) {
  core::Error e = ClassifyBusinessError(40203, kPerHour, ctx_);
  EXPECT_EQ(e.kind(), ErrorKind::kQuotaExhausted);
  EXPECT_EQ(e.code(), "40203");
  ASSERT_TRUE(e.learned_limit);
  EXPECT_EQ(e.learned_limit->window, QuotaWindow::kHour);
  EXPECT_EQ(e.learned_limit->limit, 1);
  ASSERT_TRUE(e.reset_at);
  EXPECT_EQ(Text(*e.reset_at), "2026-11-21 11:00:00");  // 19:00 in Shanghai
  EXPECT_NE(e.message().find("2026-11-21 19:00:00 Asia/Shanghai"), std::string::npos) << e.message();
}

TEST_F(ClassifierTest, PerDayQuotaResetsAtTheNextMidnightInTheSourcesZone) {
  // 17:30 UTC is already 01:30 on the 22nd in Shanghai: the next reset is the 23rd, local midnight.
  ctx_.now = Utc("2026-11-21 17:30:00");
  core::Error e = ClassifyBusinessError(40203, kPerDay, ctx_);
  EXPECT_EQ(e.kind(), ErrorKind::kQuotaExhausted);
  ASSERT_TRUE(e.learned_limit);
  EXPECT_EQ(e.learned_limit->window, QuotaWindow::kDay);
  EXPECT_EQ(e.learned_limit->limit, 100000);
  ASSERT_TRUE(e.reset_at);
  EXPECT_EQ(Text(*e.reset_at), "2026-11-22 16:00:00");

  ctx_.now = Utc("2026-11-21 10:17:33");
  EXPECT_EQ(Text(*ClassifyBusinessError(40203, kPerDay, ctx_).reset_at), "2026-11-21 16:00:00");
  ctx_.tz = nullptr;  // no zone configured: UTC
  EXPECT_EQ(Text(*ClassifyBusinessError(40203, kPerDay, ctx_).reset_at), "2026-11-22 00:00:00");
}

TEST_F(ClassifierTest, MissingApiPermissionIsPermission) {
  for (const char* msg : {kNoPermission, kNoPermissionElided}) {
    core::Error e = ClassifyBusinessError(40203, msg, ctx_);
    EXPECT_EQ(e.kind(), ErrorKind::kPermission) << msg;
    EXPECT_EQ(e.code(), "40203");
    EXPECT_NE(e.message().find("fund_daily"), std::string::npos) << e.message();
    EXPECT_FALSE(e.retry_after);
    EXPECT_FALSE(e.reset_at);
  }
}

TEST_F(ClassifierTest, UnknownFieldIsInvalidInputWithTheVendorsWords) {
  ctx_.api = "trade_cal";
  core::Error e = ClassifyBusinessError(-2001, kUnknownField, ctx_);
  EXPECT_EQ(e.kind(), ErrorKind::kInvalidInput);
  EXPECT_EQ(e.code(), "-2001");
  EXPECT_NE(e.message().find(kUnknownField), std::string::npos) << e.message();
  EXPECT_NE(e.message().find("trade_cal"), std::string::npos);
}

TEST_F(ClassifierTest, InternalErrorIsTransientAndUnknownCodesArePermanent) {
  core::Error internal = ClassifyBusinessError(-1000, kInternal, ctx_);
  EXPECT_EQ(internal.kind(), ErrorKind::kTransient);
  EXPECT_EQ(internal.code(), "-1000");
  EXPECT_NE(internal.message().find(kInternal), std::string::npos);

  core::Error unknown = ClassifyBusinessError(12345, "某种新的错误", ctx_);
  EXPECT_EQ(unknown.kind(), ErrorKind::kPermanent);
  EXPECT_EQ(unknown.code(), "12345");
  EXPECT_NE(unknown.message().find("12345"), std::string::npos) << unknown.message();
  EXPECT_NE(unknown.message().find("某种新的错误"), std::string::npos) << unknown.message();
}

TEST_F(ClassifierTest, HttpStatuses) {
  EXPECT_FALSE(ClassifyHttpStatus(200, "", "{}", ctx_));
  for (long s : {500L, 502L, 503L, 504L, 408L}) {
    auto e = ClassifyHttpStatus(s, "", "<html>busy</html>", ctx_);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind(), ErrorKind::kTransient) << s;
    EXPECT_EQ(e->code(), "http:" + std::to_string(s));
    EXPECT_NE(e->message().find("<html>busy</html>"), std::string::npos) << e->message();
  }
  auto limited = ClassifyHttpStatus(429, "7", "", ctx_);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->kind(), ErrorKind::kRateLimited);
  EXPECT_EQ(*limited->retry_after, 7s);
  auto dated = ClassifyHttpStatus(429, "Sat, 21 Nov 2026 10:18:03 GMT", "", ctx_);
  ASSERT_TRUE(dated);
  EXPECT_EQ(*dated->retry_after, 30s);
  auto bare = ClassifyHttpStatus(429, "", "", ctx_);
  EXPECT_EQ(*bare->retry_after, 60s);
  for (long s : {401L, 403L}) {
    auto e = ClassifyHttpStatus(s, "", "", ctx_);
    EXPECT_EQ(e->kind(), ErrorKind::kPermission) << s;
  }
  for (long s : {301L, 400L, 404L, 418L}) {
    auto e = ClassifyHttpStatus(s, "", "", ctx_);
    EXPECT_EQ(e->kind(), ErrorKind::kPermanent) << s;
    EXPECT_EQ(e->code(), "http:" + std::to_string(s));
  }
  // A 503 that says when to come back keeps that hint.
  EXPECT_EQ(*ClassifyHttpStatus(503, "120", "", ctx_)->retry_after, 120s);
}

}  // namespace
}  // namespace datasync::datasource::tushare
