// What schedules, `serve:` and `alerts:` in datasync.yaml build (their error messages with file:line:column
// are checked end to end by tests/e2e/configs/bad/serve_*.yaml), and the plan spec round trip with a schedule.
#include <gtest/gtest.h>

#include "app/config.hpp"
#include "app/registries.hpp"
#include "app/specs.hpp"
#include "core/secrets.hpp"

namespace datasync::app {
namespace {

constexpr const char* kServe = R"yaml(version: 1
sources:
  ts:
    provider: tushare
    token: ${TUSHARE_TOKEN}
datasets:
  trade_cal: {source: ts}
  daily: {source: ts}
storages:
  db: {kind: sqlite, path: data/w.db}
plans:
  cal:
    dataset: trade_cal
    storages: [db]
    schedule: "0 17 * * MON-FRI"
  bars:
    dataset: daily
    storages: [db]
    depends_on: [cal]
    schedule:
      cron: "30 17 * * *"
      calendar: trade_cal
      exchange: SZSE
      misfire: catch_up
      deadline: "20:00"
    verify: {cron: "0 2 * * *", sample: 50}
  month_end:
    dataset: daily
    storages: [db]
    schedule: {cron: "0 18 * * *", timezone: Europe/London, calendar: trade_cal, when: nth_trading_day, n: -1}
    verify: "30 3 * * SAT"
  manual:
    dataset: daily
    storages: [db]
serve:
  listen: "[::1]:9555"
  max_parallel_runs: 2
  shutdown_timeout_secs: 15
  http: {max_connections: 20, worker_threads: 4, max_body_bytes: 4096, request_timeout_secs: 3}
alerts:
  group_secs: 5
  max_per_hour: 7
  channels:
    mail:
      type: email
      smtp_url: smtps://smtp.example.com:465
      username: alerts@example.com
      password: ${SMTP_PASSWORD}
      from: datasync <alerts@example.com>
      to: ops@example.com
      subject: "{{title}}"
      ca_file: certs/ca.pem
    chat:
      type: webhook
      url: https://oapi.dingtalk.com/robot/send?access_token=literal-token-91d2
      format: dingtalk
      headers: {X-Team: quant}
  rules:
    - {events: all, channels: [mail]}
    - {events: [run_failed, plan_late], plans: [bars], channels: [chat]}
  daily_summary: {at: "21:00", timezone: Asia/Shanghai, channels: [mail, chat]}
)yaml";

class ServeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinProviders(providers_);
    RegisterBuiltinSinks(sinks_);
  }
  ConfigResult Load(const std::string& text) {
    return ConfigLoader(providers_, sinks_).LoadString(text, "datasync.yaml", "/proj");
  }
  datasource::ProviderRegistry providers_;
  storage::SinkRegistry sinks_;
};

TEST_F(ServeConfigTest, SchedulesServeAndAlertsBuild) {
  ConfigResult r = Load(kServe);
  ASSERT_TRUE(r.ok()) << (r.issues.empty() ? "" : FormatIssue(r.issues[0]));
  const Config& c = *r.config;
  // A cron string takes the source's time zone; a calendar alone means its open days.
  const auto& cal = c.FindPlan("cal")->schedule;
  EXPECT_EQ(cal.cron, "0 17 * * MON-FRI");
  EXPECT_EQ(cal.timezone, "Asia/Shanghai");
  EXPECT_EQ(cal.when, sync::DayRule::kEveryDay);
  EXPECT_EQ(cal.misfire, sync::Misfire::kOnce);
  const auto& bars = c.FindPlan("bars")->schedule;
  EXPECT_EQ(bars.when, sync::DayRule::kOpenDays);
  EXPECT_EQ(bars.calendar, "trade_cal");
  EXPECT_EQ(bars.exchange, "SZSE");
  EXPECT_EQ(bars.misfire, sync::Misfire::kCatchUp);
  EXPECT_EQ(bars.deadline, "20:00");
  const auto& month_end = c.FindPlan("month_end")->schedule;
  EXPECT_EQ(month_end.when, sync::DayRule::kNthTradingDay);
  EXPECT_EQ(month_end.n, -1);
  EXPECT_EQ(month_end.timezone, "Europe/London");
  EXPECT_FALSE(c.FindPlan("manual")->schedule.enabled());
  // A scheduled verify: its sample, and the source's time zone unless it names one.
  EXPECT_EQ(c.FindPlan("bars")->verify, (sync::VerifySchedule{"0 2 * * *", "Asia/Shanghai", 50}));
  EXPECT_EQ(c.FindPlan("month_end")->verify, (sync::VerifySchedule{"30 3 * * SAT", "Asia/Shanghai", 20}));
  EXPECT_FALSE(c.FindPlan("manual")->verify.enabled());

  EXPECT_EQ(c.serve.listen, "[::1]:9555");
  EXPECT_EQ(c.serve.max_parallel_runs, 2);
  EXPECT_EQ(c.serve.shutdown_timeout_secs, 15);
  // serve.http: what is written, the defaults for the rest.
  EXPECT_EQ(c.serve.http.max_connections, 20);
  EXPECT_EQ(c.serve.http.worker_threads, 4);
  EXPECT_EQ(c.serve.http.max_body_bytes, 4096);
  EXPECT_EQ(c.serve.http.request_timeout_secs, 3);
  EXPECT_EQ(c.serve.http.max_header_bytes, HttpLimits{}.max_header_bytes);
  EXPECT_EQ(c.serve.http.idle_timeout_secs, 5);
  EXPECT_EQ(c.serve.http.keep_alive_max_requests, 100);
  EXPECT_EQ(SplitHostPort(c.serve.listen), std::make_optional(std::make_pair(std::string("::1"), 9555)));

  const auto& a = c.alerts;
  EXPECT_EQ(a.group_secs, 5);
  EXPECT_EQ(a.dedup_secs, 3600);
  EXPECT_EQ(a.max_per_hour, 7);
  ASSERT_EQ(a.channels.size(), 2u);
  EXPECT_EQ(a.channels[0].type, alerting::ChannelType::kEmail);
  EXPECT_EQ(a.channels[0].password, "${SMTP_PASSWORD}");
  EXPECT_EQ(a.channels[0].to, std::vector<std::string>{"ops@example.com"});
  EXPECT_EQ(a.channels[0].ca_file, "/proj/certs/ca.pem");
  EXPECT_EQ(a.channels[1].format, alerting::WebhookFormat::kDingTalk);
  EXPECT_EQ(a.channels[1].headers, (std::vector<std::pair<std::string, std::string>>{{"X-Team", "quant"}}));
  ASSERT_EQ(a.rules.size(), 2u);
  EXPECT_EQ(a.rules[0].events.size(), 8u);  // all but the daily summary
  EXPECT_EQ(a.rules[1].plans, std::vector<std::string>{"bars"});
  EXPECT_EQ(a.daily_summary.at, "21:00");
  EXPECT_EQ(a.daily_summary.channels, (std::vector<std::string>{"mail", "chat"}));
  // The robot's token in a literal URL never reaches a log.
  EXPECT_EQ(core::Redact("POST https://oapi.dingtalk.com/robot/send?access_token=literal-token-91d2"),
            "POST https://oapi.dingtalk.com/robot/send?***");
}

TEST_F(ServeConfigTest, PlanSpecsWithSchedulesRoundTrip) {
  ConfigResult r = Load(kServe);
  ASSERT_TRUE(r.ok());
  for (const auto& p : r.config->plans) {
    auto back = PlanFromJson(PlanToJson(p));
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(back->schedule, p.schedule) << p.name;
    EXPECT_EQ(back->verify, p.verify) << p.name;
    EXPECT_EQ(PlanToJson(*back), PlanToJson(p));
  }
  // Plans without a schedule keep the spec text they had before schedules existed.
  EXPECT_NE(PlanToJson(*r.config->FindPlan("manual")).find("\"schedule\":\"\""), std::string::npos);
  // A cron string stored by an earlier datasync reads as that cron in UTC.
  std::string old = PlanToJson(*r.config->FindPlan("manual"));
  old.replace(old.find("\"schedule\":\"\""), 13, "\"schedule\":\"0 9 * * *\"");
  auto back = PlanFromJson(old);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->schedule.cron, "0 9 * * *");
  EXPECT_EQ(back->schedule.timezone, "UTC");
}

}  // namespace
}  // namespace datasync::app
