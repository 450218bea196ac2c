// Webhook channels against a cpp-httplib receiver on 127.0.0.1: each format's body is valid JSON of the shape
// its platform expects, secrets in the URL and headers are resolved at send time, and refusals (HTTP errors,
// robots answering errcode != 0) are errors.
#include "alerting/webhook_channel.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/log.hpp"
#include "core/secrets.hpp"

namespace datasync::alerting {
namespace {

using json = nlohmann::json;

class Receiver {
 public:
  Receiver() {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mu_);
      bodies_.push_back(req.body);
      query_ = req.get_param_value("access_token");
      auth_ = req.get_header_value("Authorization");
      res.status = status_;
      res.set_content(answer_, "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 2000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void Answer(int status, std::string body) {
    std::lock_guard lock(mu_);
    status_ = status;
    answer_ = std::move(body);
  }
  json Last() {
    std::lock_guard lock(mu_);
    return json::parse(bodies_.back());
  }
  std::string query() {
    std::lock_guard lock(mu_);
    return query_;
  }
  std::string auth() {
    std::lock_guard lock(mu_);
    return auth_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> bodies_;
  std::string query_, auth_, answer_ = "{\"errcode\":0}";
  int status_ = 200;
};

Message Sample() {
  Alert a;
  a.event = AlertEvent::kRunFailed;
  a.plan = "daily";
  a.run_id = 12;
  a.at_us = 1'795'339'800'000'000;
  a.title = "run 12 of plan daily failed";
  a.message = "PERMISSION: 抱歉，您没有接口\"daily\"访问权限\nsecond line";
  Message m;
  m.project = "demo";
  m.title = a.title;
  m.text = "- " + a.title + "\n  " + a.message;
  m.alerts = {a};
  m.suppressed = 4;
  m.at_us = a.at_us;
  return m;
}

ChannelSpec Spec(const std::string& url, WebhookFormat format) {
  ChannelSpec s;
  s.name = "hook";
  s.type = ChannelType::kWebhook;
  s.url = url;
  s.format = format;
  return s;
}

TEST(WebhookChannelTest, EachFormatSendsWhatItsPlatformExpects) {
  Receiver r;
  const Message m = Sample();
  const std::string text = m.title + "\n" + m.text;
  struct Case {
    WebhookFormat format;
    std::function<void(const json&)> check;
  } cases[] = {
      {WebhookFormat::kJson,
       [&](const json& j) {
         EXPECT_EQ(j["source"], "datasync");
         EXPECT_EQ(j["project"], "demo");
         EXPECT_EQ(j["title"], m.title);
         EXPECT_EQ(j["count"], 1);
         EXPECT_EQ(j["suppressed"], 4);
         ASSERT_EQ(j["alerts"].size(), 1u);
         EXPECT_EQ(j["alerts"][0]["event"], "run_failed");
         EXPECT_EQ(j["alerts"][0]["plan"], "daily");
         EXPECT_EQ(j["alerts"][0]["run_id"], 12);
         EXPECT_EQ(j["alerts"][0]["message"], m.alerts[0].message);
       }},
      {WebhookFormat::kSlack, [&](const json& j) { EXPECT_EQ(j["text"], "*" + m.title + "*\n" + m.text); }},
      {WebhookFormat::kDingTalk,
       [&](const json& j) {
         EXPECT_EQ(j["msgtype"], "text");
         EXPECT_EQ(j["text"]["content"], text);
       }},
      {WebhookFormat::kWeCom,
       [&](const json& j) {
         EXPECT_EQ(j["msgtype"], "text");
         EXPECT_EQ(j["text"]["content"], text);
       }},
      {WebhookFormat::kFeishu,
       [&](const json& j) {
         EXPECT_EQ(j["msg_type"], "text");
         EXPECT_EQ(j["content"]["text"], text);
       }},
  };
  for (const auto& c : cases) {
    auto ch = WebhookChannel::Make(Spec(r.Url(), c.format));
    ASSERT_TRUE(ch);
    auto st = (*ch)->Send(m);
    ASSERT_TRUE(st) << WebhookFormatName(c.format) << ": " << st.error().message();
    c.check(r.Last());
  }
}

TEST(WebhookChannelTest, SecretsAreResolvedWhenSendingAndCustomBodiesRender) {
  Receiver r;
  ::setenv("DS_TEST_HOOK_URL", (r.Url() + "?access_token=tok-123456").c_str(), 1);
  ::setenv("DS_TEST_HOOK_AUTH", "Bearer sekrit-987", 1);
  ChannelSpec s = Spec("${DS_TEST_HOOK_URL}", WebhookFormat::kJson);
  s.headers = {{"Authorization", "${DS_TEST_HOOK_AUTH}"}};
  s.body =
      R"x({"summary":"{{title}} ({{count}})","alerts":{{{alerts_json}}}{{#suppressed}},"repeats":{{suppressed}}{{/suppressed}}})x";
  auto ch = WebhookChannel::Make(s);
  ASSERT_TRUE(ch);
  ASSERT_TRUE((*ch)->Send(Sample()));
  EXPECT_EQ(r.query(), "tok-123456");
  EXPECT_EQ(r.auth(), "Bearer sekrit-987");
  json got = r.Last();
  EXPECT_EQ(got["summary"], "run 12 of plan daily failed (1)");
  EXPECT_EQ(got["repeats"], 4);
  ASSERT_EQ(got["alerts"].size(), 1u);
  EXPECT_EQ(got["alerts"][0]["plan"], "daily");
  EXPECT_EQ(got["alerts"][0]["run_id"], 12);
  EXPECT_EQ(got["alerts"][0]["message"], Sample().alerts[0].message);
  ::unsetenv("DS_TEST_HOOK_URL");
  auto unset = (*ch)->Send(Sample());
  ASSERT_FALSE(unset);
  EXPECT_NE(unset.error().message().find("DS_TEST_HOOK_URL"), std::string::npos);
  ::unsetenv("DS_TEST_HOOK_AUTH");
}

TEST(WebhookChannelTest, RefusalsAreErrors) {
  Receiver r;
  auto ding = WebhookChannel::Make(Spec(r.Url(), WebhookFormat::kDingTalk));
  ASSERT_TRUE(ding);
  r.Answer(200, R"({"errcode":310000,"errmsg":"keywords not in content"})");
  auto refused = (*ding)->Send(Sample());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().kind(), core::ErrorKind::kPermanent);
  EXPECT_NE(refused.error().message().find("keywords not in content"), std::string::npos);
  r.Answer(503, "busy");
  auto busy = (*ding)->Send(Sample());
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().kind(), core::ErrorKind::kTransient);
  r.Answer(403, "forbidden");
  auto slack = WebhookChannel::Make(Spec(r.Url(), WebhookFormat::kSlack));
  ASSERT_TRUE(slack);
  auto forbidden = (*slack)->Send(Sample());
  ASSERT_FALSE(forbidden);
  EXPECT_EQ(forbidden.error().kind(), core::ErrorKind::kPermission);
}

// A robot that echoes the token in its refusal, the token straddling the 200 bytes the message quotes: the
// answer is redacted before it is cut, so not even the token's first half is shown.
TEST(WebhookChannelTest, AnEchoedSecretIsRedactedBeforeTheAnswerIsCut) {
  const std::string token = "HookTok-Straddle-0123456789abcdef";
  core::RegisterSecret(token);
  Receiver r;
  r.Answer(400, std::string(190, '.') + token + " is not allowed");
  auto ch = WebhookChannel::Make(Spec(r.Url(), WebhookFormat::kJson));
  ASSERT_TRUE(ch);
  auto refused = (*ch)->Send(Sample());
  ASSERT_FALSE(refused);
  const std::string& m = refused.error().message();
  EXPECT_NE(m.find("the webhook answered HTTP 400"), std::string::npos) << m;
  EXPECT_EQ(m.find("HookTok"), std::string::npos) << m;
  EXPECT_EQ(m.find("Straddle"), std::string::npos) << m;
  EXPECT_NE(m.find(std::string(190, '.') + "***"), std::string::npos) << m;
}

// Credentials (a query token, headers) over http:// beyond loopback are warned about, once per channel and
// host; the loopback receiver is not.
TEST(WebhookChannelTest, CredentialsInTheClearBeyondLoopbackAreWarnedAboutOnce) {
  std::vector<std::string> warnings;
  core::SetLogBackend([&](core::LogLevel level, std::string_view m) {
    if (level == core::LogLevel::kWarn) warnings.emplace_back(m);
  });
  // TEST-NET-1 (RFC 5737): never routed, so the post fails fast or times out after a second.
  ChannelSpec far = Spec("http://192.0.2.1:9/robot/send?access_token=tok-7a7a7a", WebhookFormat::kDingTalk);
  far.timeout_secs = 1;
  auto ch = WebhookChannel::Make(far);
  ASSERT_TRUE(ch);
  EXPECT_FALSE((*ch)->Send(Sample()));
  EXPECT_FALSE((*ch)->Send(Sample()));
  Receiver r;
  ChannelSpec near = Spec(r.Url() + "?access_token=tok-7a7a7a", WebhookFormat::kDingTalk);
  near.headers = {{"Authorization", "Bearer local"}};
  auto local = WebhookChannel::Make(near);
  ASSERT_TRUE(local);
  EXPECT_TRUE((*local)->Send(Sample()));
  core::SetLogBackend(nullptr);
  ASSERT_EQ(warnings.size(), 1u) << ::testing::PrintToString(warnings);
  EXPECT_NE(warnings[0].find("alert channel 'hook': the webhook's credentials"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("in clear to 192.0.2.1"), std::string::npos) << warnings[0];
  EXPECT_EQ(warnings[0].find("tok-7a7a7a"), std::string::npos) << warnings[0];
}

}  // namespace
}  // namespace datasync::alerting
