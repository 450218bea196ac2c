// The rest provider's error rules: status, code and message matching tried in order, waits from a header, a
// message pattern or fixed seconds, QUOTA_EXHAUSTED until the vendor's midnight, 2xx answers that are errors,
// the defaults, and rules refused where they are written.
#include <gtest/gtest.h>

#include "core/dates.hpp"
#include "core/secrets.hpp"
#include "datasource/rest/response_decoder.hpp"
#include "rest_test_util.hpp"

namespace datasync::datasource::rest {
namespace {

using core::ErrorKind;
using core::LogicalType;
using core::OptionRecord;
using core::OptionRecords;
using testing::DatasetSettingsOf;
using testing::MakeDataset;
using testing::MakeSource;
using testing::SourceSettingsOf;
using namespace std::chrono_literals;
using Headers = std::vector<std::pair<std::string, std::string>>;

// The Nasdaq Data Link rules docs/providers/rest.md shows.
OptionRecords NdlRules() {
  return {
      {{"status", "202"}, {"class", "TRANSIENT"}, {"wait_secs", "30"}},
      {{"code_path", "quandl_error.code"}, {"code_match", "^QELx0[1-3]$"}, {"class", "QUOTA_EXHAUSTED"}},
      {{"code_path", "quandl_error.code"},
       {"code_match", "^QELx0[45]$"},
       {"class", "RATE_LIMITED"},
       {"wait_header", "Retry-After"},
       {"wait_secs", "600"}},
      {{"code_path", "quandl_error.code"}, {"code_match", "^QELx0[6-8]$"}, {"class", "TRUNCATED"}},
      {{"message_path", "error.message"},
       {"message_match", "slow down"},
       {"class", "RATE_LIMITED"},
       {"wait_pattern", "retry in ([0-9.]+) ?s"}},
  };
}

class RestErrorsTest : public ::testing::Test {
 protected:
  core::Result<Page> Decode(long status, std::string body, Headers headers = {}) {
    auto source = SourceSettingsOf(source_);
    Dataset ds =
        MakeDataset({{"id", LogicalType::Int64()}}, {{"path", std::string("/p")}, {"records", std::string("data")}});
    auto settings = DatasetSettingsOf(ds);
    RawResponse r{.http_status = status, .body = std::move(body), .headers = std::move(headers)};
    DecodeInput in;
    in.dataset = &ds;
    in.source = &source;
    in.settings = settings.get();
    in.classify.prefix = "rest api/items: ";
    in.classify.now = now_;
    in.classify.tz = &tz_;
    in.classify.rate_limit_wait = 45s;
    in.classify.auth_advice = "check the value of ${NDL_API_KEY} (sources.api.api_key)";
    return DecodeAnswer(r, in);
  }

  DataSource source_ = MakeSource("https://api.x.com", {{"error_rules", NdlRules()}});
  core::TimeZone tz_ = *core::TimeZone::Load("America/New_York");
  // 2026-11-21 10:17:33 UTC is 05:17:33 in New York (EST).
  core::TimePoint now_ = core::FromEpochMicros(*core::ParseTimestamp("2026-11-21 10:17:33"));
};

TEST_F(RestErrorsTest, ADailyLimitCodeDefersToTheVendorsNextMidnight) {
  auto e = Decode(
      429,
      R"({"quandl_error":{"code":"QELx01","message":"You have exceeded the API speed limit of 50000 calls per day."}})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind(), ErrorKind::kQuotaExhausted);
  EXPECT_EQ(e.error().code(), "QELx01");
  ASSERT_TRUE(e.error().reset_at);
  // Midnight of 2026-11-22 in New York is 05:00 UTC.
  EXPECT_EQ(core::ToEpochMicros(*e.error().reset_at), *core::ParseTimestamp("2026-11-22 05:00:00"));
  EXPECT_NE(e.error().message().find("error_rules[1]"), std::string::npos) << e.error().message();
  EXPECT_NE(e.error().message().find("50000 calls per day"), std::string::npos) << e.error().message();
}

TEST_F(RestErrorsTest, ATenMinuteLimitCoolsDownByItsHeaderElseItsFixedWait) {
  auto e = Decode(429, R"({"quandl_error":{"code":"QELx04","message":"10 minute limit"}})", {{"retry-after", "120"}});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind(), ErrorKind::kRateLimited);
  EXPECT_EQ(e.error().retry_after, std::optional<std::chrono::milliseconds>(120s));
  e = Decode(429, R"({"quandl_error":{"code":"QELx05","message":"10 minute limit"}})");
  EXPECT_EQ(e.error().retry_after, std::optional<std::chrono::milliseconds>(600s));
}

TEST_F(RestErrorsTest, TheWaitPatternReadsSecondsFromTheMessage) {
  auto e = Decode(200, R"({"error":{"message":"please slow down, retry in 12.5 s"}})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind(), ErrorKind::kRateLimited);
  EXPECT_EQ(e.error().retry_after, std::optional<std::chrono::milliseconds>(12500ms));
  // A message the pattern does not read falls back to the source's rate_limit_wait_secs.
  e = Decode(200, R"({"error":{"message":"slow down"}})");
  EXPECT_EQ(e.error().retry_after, std::optional<std::chrono::milliseconds>(45s));
  // A huge number is clamped to a day, not overflowed.
  e = Decode(200, R"({"error":{"message":"slow down, retry in 99999999999999999999999 s"}})");
  EXPECT_EQ(e.error().retry_after, std::optional<std::chrono::milliseconds>(86400s));
}

TEST_F(RestErrorsTest, A202WithoutDataIsTransientWithItsWaitAndA2xxErrorBodyIsAnError) {
  auto e = Decode(202, "");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind(), ErrorKind::kTransient);
  EXPECT_EQ(e.error().retry_after, std::optional<std::chrono::milliseconds>(30s));
  e = Decode(200, R"({"quandl_error":{"code":"QELx07","message":"query too long"}})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind(), ErrorKind::kTruncated);
  // A 2xx that no rule matches is data.
  auto page = Decode(200, R"({"data":[{"id":1}],"quandl_error":null})");
  ASSERT_TRUE(page) << page.error().ToString();
  EXPECT_EQ(page->batch.column(0).GetInt64(0), 1);
}

TEST_F(RestErrorsTest, RulesAreTriedInOrderAndEveryConditionMustHold) {
  source_.options.Set("error_rules", OptionRecords{
                                         {{"status", "403"}, {"code_path", "e.code"}, {"class", "QUOTA_EXHAUSTED"}},
                                         {{"status", "403"}, {"class", "PERMANENT"}},
                                         {{"code_path", "e.code"}, {"class", "INVALID_INPUT"}},
                                     });
  EXPECT_EQ(Decode(403, R"({"e":{"code":"X"}})").error().kind(), ErrorKind::kQuotaExhausted);
  EXPECT_EQ(Decode(403, R"({"e":{}})").error().kind(), ErrorKind::kPermanent);
  EXPECT_EQ(Decode(403, "<html>").error().kind(), ErrorKind::kPermanent);  // status rules match any body
  EXPECT_EQ(Decode(500, R"({"e":{"code":"X"}})").error().kind(), ErrorKind::kInvalidInput);
  EXPECT_EQ(Decode(500, R"({"e":{"code":null}})").error().kind(), ErrorKind::kTransient);  // null: not there
}

TEST_F(RestErrorsTest, UnmatchedAnswersFallBackToTheStatusDefaults) {
  source_.options = {};
  auto e = Decode(429, "{}", {{"retry-after", "7"}});
  EXPECT_EQ(e.error().kind(), ErrorKind::kRateLimited);
  EXPECT_EQ(e.error().retry_after, std::optional<std::chrono::milliseconds>(7s));
  EXPECT_EQ(Decode(429, "{}").error().retry_after, std::optional<std::chrono::milliseconds>(45s));
  for (long s : {401L, 403L}) {
    auto p = Decode(s, R"({"message":"bad key"})");
    EXPECT_EQ(p.error().kind(), ErrorKind::kPermission) << s;
    EXPECT_NE(p.error().message().find("${NDL_API_KEY}"), std::string::npos) << p.error().message();
  }
  for (long s : {400L, 404L, 422L}) EXPECT_EQ(Decode(s, "{}").error().kind(), ErrorKind::kInvalidInput) << s;
  for (long s : {500L, 502L, 503L, 408L}) EXPECT_EQ(Decode(s, "{}").error().kind(), ErrorKind::kTransient) << s;
  EXPECT_EQ(Decode(418, "{}").error().kind(), ErrorKind::kPermanent);
  EXPECT_EQ(Decode(200, "<html>").error().kind(), ErrorKind::kTransient);
}

TEST_F(RestErrorsTest, AnEchoedSecretNeverReachesTheMessage) {
  ::setenv("DATASYNC_TEST_REST_ECHO", "sk-echo-4f3e2d1c", 1);
  ASSERT_TRUE(core::ResolveSecret("${DATASYNC_TEST_REST_ECHO}", ""));  // what Fetch does before each call
  auto e = Decode(401, R"({"message":"unknown api_key sk-echo-4f3e2d1c"})");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message().find("sk-echo-4f3e2d1c"), std::string::npos) << e.error().message();
  e = Decode(429, R"({"quandl_error":{"code":"QELx01","message":"key sk-echo-4f3e2d1c is over its limit"}})");
  EXPECT_EQ(e.error().message().find("sk-echo-4f3e2d1c"), std::string::npos) << e.error().message();
  ::unsetenv("DATASYNC_TEST_REST_ECHO");
}

TEST(RestErrorRuleTest, BadRulesAreRefusedPerField) {
  auto problems_of = [](OptionRecord r) {
    std::vector<std::pair<std::string, std::string>> problems;
    EXPECT_FALSE(ParseErrorRule(r, 0, problems));
    return problems;
  };
  auto p = problems_of({{"code_path", "a..b"}, {"class", "PERMANENT"}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].first, "code_path");
  p = problems_of({{"code_path", "a"}, {"code_match", "(unclosed"}, {"class", "PERMANENT"}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].first, "code_match");
  p = problems_of({{"class", "PERMANENT"}, {"wait_secs", "3"}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_NE(p[0].second.find("at least one of status"), std::string::npos);
  p = problems_of({{"status", "429"}, {"class", "RATE_LIMITED"}, {"wait_pattern", "[0-9]+"}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].first, "wait_pattern");
  p = problems_of({{"status", "429"}, {"class", "RATE_LIMITED"}, {"message_match", "x"}});
  ASSERT_EQ(p.size(), 1u);
  EXPECT_EQ(p[0].first, "message_match");
  std::vector<std::pair<std::string, std::string>> none;
  auto ok = ParseErrorRule({{"status", "429"}, {"class", "RATE_LIMITED"}, {"wait_header", "Retry-After"}}, 3, none);
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->wait_header, "retry-after");
  EXPECT_EQ(ok->index, 3u);
  EXPECT_TRUE(none.empty());
}

}  // namespace
}  // namespace datasync::datasource::rest
