// Grouping, deduplication, rate limiting and retries of the Notifier on a manual clock, with a channel that
// records what it was asked to send (and can be told to fail).
#include "alerting/notifier.hpp"

#include <gtest/gtest.h>

namespace datasync::alerting {
namespace {

using namespace std::chrono_literals;

class RecordingChannel : public Channel {
 public:
  explicit RecordingChannel(std::string name, std::vector<Message>* sent, int* failures = nullptr)
      : name_(std::move(name)), sent_(sent), failures_(failures) {}
  const std::string& name() const override { return name_; }
  core::Status Send(const Message& m) override {
    if (failures_ && *failures_ > 0) {
      --*failures_;
      return core::Fail(core::ErrorKind::kTransient, "connection refused");
    }
    sent_->push_back(m);
    return core::Ok();
  }

 private:
  std::string name_;
  std::vector<Message>* sent_;
  int* failures_;
};

Alert Failed(const std::string& plan, int64_t run) {
  Alert a;
  a.event = AlertEvent::kRunFailed;
  a.plan = plan;
  a.run_id = run;
  a.title = "run " + std::to_string(run) + " of plan " + plan + " failed";
  a.message = "3 task(s) failed";
  return a;
}

struct Fixture {
  std::vector<Message> mail, chat;
  int chat_failures = 0;
  core::ManualClock clock{core::FromEpochMicros(1'795'219'200'000'000)};
  core::MetricsRegistry metrics;
  std::unique_ptr<Notifier> notifier;

  std::vector<std::string> outcomes;  // "channel: title (error)"

  explicit Fixture(int64_t max_per_hour = 20, int max_attempts = 5) {
    std::vector<std::unique_ptr<Channel>> channels;
    channels.push_back(std::make_unique<RecordingChannel>("mail", &mail));
    channels.push_back(std::make_unique<RecordingChannel>("chat", &chat, &chat_failures));
    std::vector<RuleSpec> rules = {{{AlertEvent::kRunFailed, AlertEvent::kPlanLate}, {}, {"mail"}},
                                   {{AlertEvent::kRunFailed}, {"daily"}, {"chat"}}};
    NotifierOptions o;
    o.project = "demo";
    o.group = 10s;
    o.dedup = 1h;
    o.max_per_hour = max_per_hour;
    o.max_listed = 5;
    o.max_attempts = max_attempts;
    o.on_outcome = [this](const std::string& channel, const Message& m, const std::string& error) {
      outcomes.push_back(channel + ": " + m.title + (error.empty() ? "" : " (" + error + ")"));
    };
    notifier = std::make_unique<Notifier>(std::move(channels), std::move(rules), o, &metrics);
  }
  size_t Tick() { return notifier->Tick(clock.Now()); }
};

TEST(NotifierTest, AStormOfOneFailureSendsOneMessage) {
  Fixture f;
  for (int i = 0; i < 1000; ++i) f.notifier->Submit(Failed("daily", 100 + i), f.clock.Now());
  EXPECT_EQ(f.Tick(), 0u);  // the group is still open
  f.clock.Advance(10s);
  EXPECT_EQ(f.Tick(), 2u);
  ASSERT_EQ(f.mail.size(), 1u);
  ASSERT_EQ(f.chat.size(), 1u);
  EXPECT_EQ(f.mail[0].title, "run 100 of plan daily failed");
  EXPECT_EQ(f.mail[0].suppressed, 999);
  EXPECT_NE(f.mail[0].text.find("(999 more time(s))"), std::string::npos) << f.mail[0].text;
  // The same alert within the dedup window is counted, not sent; the count rides with the next message.
  f.notifier->Submit(Failed("daily", 2000), f.clock.Now());
  f.clock.Advance(30min);
  EXPECT_EQ(f.Tick(), 0u);
  Alert late;
  late.event = AlertEvent::kPlanLate;
  late.plan = "daily";
  late.title = "plan daily is late";
  f.notifier->Submit(late, f.clock.Now());
  f.clock.Advance(10s);
  EXPECT_EQ(f.Tick(), 1u);
  ASSERT_EQ(f.mail.size(), 2u);
  EXPECT_EQ(f.mail[1].title, "plan daily is late");
  EXPECT_EQ(f.mail[1].suppressed, 1);
  EXPECT_EQ(f.chat.size(), 1u);  // chat's rule takes run failures only
  EXPECT_EQ(f.metrics.Value("datasync_alerts_total", {{"channel", "mail"}, {"outcome", "sent"}}), 2);
  EXPECT_EQ(f.metrics.Value("datasync_alerts_total", {{"channel", "mail"}, {"outcome", "suppressed"}}), 1000);
}

TEST(NotifierTest, DifferentAlertsOfOneWindowAreOneMessageListingThem) {
  Fixture f;
  for (int i = 0; i < 8; ++i) f.notifier->Submit(Failed("plan" + std::to_string(i), i), f.clock.Now());
  f.clock.Advance(10s);
  f.Tick();
  ASSERT_EQ(f.mail.size(), 1u);
  EXPECT_EQ(f.mail[0].title, "8 alerts: 8 run_failed");
  EXPECT_EQ(f.mail[0].alerts.size(), 5u);  // max_listed
  EXPECT_EQ(f.mail[0].more, 3);
  EXPECT_TRUE(f.chat.empty());  // chat only hears about plan "daily"
}

TEST(NotifierTest, TheRateLimitHoldsAlertsBackAndSendsThemTogetherLater) {
  Fixture f(2);
  for (int i = 0; i < 5; ++i) {
    f.notifier->Submit(Failed("p" + std::to_string(i), i), f.clock.Now());
    f.clock.Advance(11s);
    f.Tick();
  }
  EXPECT_EQ(f.mail.size(), 2u);  // two an hour
  f.clock.Advance(1h);
  f.Tick();
  ASSERT_EQ(f.mail.size(), 3u);
  EXPECT_EQ(f.mail[2].title, "3 alerts: 3 run_failed");
}

TEST(NotifierTest, FailedDeliveriesAreRetriedWithGrowingWaits) {
  Fixture f;
  f.chat_failures = 2;
  f.notifier->Submit(Failed("daily", 1), f.clock.Now());
  f.clock.Advance(10s);
  f.Tick();  // chat fails (1)
  EXPECT_TRUE(f.chat.empty());
  f.clock.Advance(29s);
  f.Tick();
  EXPECT_TRUE(f.chat.empty());  // the first retry waits 30 s
  f.clock.Advance(1s);
  f.Tick();  // fails (2); next wait 60 s
  f.clock.Advance(60s);
  f.Tick();
  ASSERT_EQ(f.chat.size(), 1u);
  EXPECT_EQ(f.chat[0].title, "run 1 of plan daily failed");
  EXPECT_EQ(f.notifier->Backlog(), 0u);
  EXPECT_EQ(f.metrics.Value("datasync_alerts_total", {{"channel", "chat"}, {"outcome", "retried"}}), 2);
}

TEST(NotifierTest, EachMessageEndIsToldOnceSentOrGivenUp) {
  Fixture f(20, 2);
  f.chat_failures = 5;
  f.notifier->Submit(Failed("daily", 1), f.clock.Now());
  f.clock.Advance(10s);
  f.Tick();  // mail sent; chat fails once: nothing told for chat yet
  EXPECT_EQ(f.outcomes, (std::vector<std::string>{"mail: run 1 of plan daily failed"}));
  f.clock.Advance(30s);
  f.Tick();  // chat's second and last attempt fails
  ASSERT_EQ(f.outcomes.size(), 2u);
  EXPECT_EQ(f.outcomes[1], "chat: run 1 of plan daily failed (connection refused)");
  f.clock.Advance(1h);
  f.Tick();
  EXPECT_EQ(f.outcomes.size(), 2u);
}

TEST(NotifierTest, SubmitToBypassesRulesAndDeduplication) {
  Fixture f;
  Alert summary;
  summary.event = AlertEvent::kDailySummary;
  summary.title = "daily summary";
  f.notifier->SubmitTo({"chat"}, summary, f.clock.Now());
  f.notifier->SubmitTo({"chat"}, summary, f.clock.Now());
  f.clock.Advance(10s);
  f.Tick();
  ASSERT_EQ(f.chat.size(), 1u);
  EXPECT_EQ(f.chat[0].alerts.size(), 2u);
}

}  // namespace
}  // namespace datasync::alerting
