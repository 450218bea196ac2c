// Alert channel types as plugins (alerting/channel_registry.hpp): the registry app/registries.cpp fills,
// each type's option table and rules, and config loading reading a channel from its type's table, with
// its messages at file:line:column. (The pinned messages of bad configs are checked end to end by
// tests/e2e/configs/bad/serve_*.yaml.)
#include <gtest/gtest.h>

#include <optional>

#include "alerting/channel_registry.hpp"
#include "app/config.hpp"
#include "app/registries.hpp"

namespace datasync::app {
namespace {

constexpr const char* kHead = R"yaml(version: 1
sources:
  ts:
    provider: tushare
    token: ${TUSHARE_TOKEN}
alerts:
  channels:
)yaml";  // 7 lines

class AlertChannelsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinProviders(providers_);
    RegisterBuiltinSinks(sinks_);
  }
  ConfigResult Load(const std::string& channels) {
    return ConfigLoader(providers_, sinks_, {}, LoadOptions{}).LoadString(kHead + channels, "datasync.yaml", "/proj");
  }
  static std::vector<std::string> Errors(const ConfigResult& r) {
    std::vector<std::string> errors;
    for (const auto& i : r.issues) {
      if (!i.warning) errors.push_back(FormatIssue(i));
    }
    return errors;
  }
  datasource::ProviderRegistry providers_;
  storage::SinkRegistry sinks_;
};

TEST(ChannelRegistryTest, BuiltinTypesAreRegisteredWithTheirTables) {
  alerting::ChannelRegistry registry;
  RegisterBuiltinChannels(registry);
  EXPECT_EQ(registry.Ids(), (std::vector<std::string>{"email", "webhook"}));
  EXPECT_EQ(registry.Find("pager"), nullptr);
  const auto* email = registry.Find("email");
  ASSERT_NE(email, nullptr);
  const auto* smtp_url = core::FindOption(email->options, "smtp_url");
  ASSERT_NE(smtp_url, nullptr);
  EXPECT_TRUE(smtp_url->required);
  const auto* password = core::FindOption(email->options, "password");
  ASSERT_NE(password, nullptr);
  EXPECT_EQ(password->type, core::OptionType::kSecret);
  EXPECT_FALSE(email->http_headers);
  const auto* webhook = registry.Find("webhook");
  ASSERT_NE(webhook, nullptr);
  EXPECT_TRUE(webhook->http_headers);
  EXPECT_EQ(core::FindOption(webhook->options, "headers"), nullptr);  // map-valued: read by config loading
  const auto* timeout = core::FindOption(webhook->options, "timeout_secs");
  ASSERT_NE(timeout, nullptr);
  ASSERT_TRUE(timeout->range.has_value());
  EXPECT_EQ(timeout->range->min, 1);
  EXPECT_EQ(timeout->range->max, 600);
}

TEST(ChannelRegistryTest, ValidateAndBuildWorkOnOptions) {
  alerting::ChannelRegistry registry;
  RegisterBuiltinChannels(registry);
  const auto* email = registry.Find("email");
  ASSERT_NE(email, nullptr);
  core::Options o;
  o.Set("smtp_url", std::string("http://mail.example.com"));
  o.Set("from", std::string("ds@example.com"));
  o.Set("to", std::vector<std::string>{});
  o.Set("subject", std::string("{{#open}}"));
  ASSERT_TRUE(o.ApplyDefaults(email->options, "test").has_value());
  auto problems = email->validate(o, {});
  ASSERT_EQ(problems.size(), 3u);
  EXPECT_EQ(problems[0].key, "smtp_url");
  EXPECT_EQ(problems[1], (core::OptionProblem{"to", "name at least one recipient"}));
  EXPECT_EQ(problems[2].key, "subject");

  auto spec = email->build("mail", o, "/proj");
  EXPECT_EQ(spec.name, "mail");
  EXPECT_EQ(spec.type, alerting::ChannelType::kEmail);
  EXPECT_EQ(spec.from, "ds@example.com");
  EXPECT_TRUE(spec.verify_tls);      // the table's default
  EXPECT_EQ(spec.timeout_secs, 10);  // the table's default
  EXPECT_FALSE(spec.require_tls);
}

// With credentials, STARTTLS is required unless the configuration says otherwise: a server (or anyone in
// between) that strips STARTTLS would otherwise get the password in clear.
TEST(ChannelRegistryTest, RequireTlsDefaultsToOnWithCredentials) {
  alerting::ChannelRegistry registry;
  RegisterBuiltinChannels(registry);
  const auto* email = registry.Find("email");
  ASSERT_NE(email, nullptr);
  auto build = [&](std::vector<std::pair<std::string, std::string>> extra, std::optional<bool> require_tls) {
    core::Options o;
    o.Set("smtp_url", std::string("smtp://mail.example.com:587"));
    o.Set("from", std::string("ds@example.com"));
    o.Set("to", std::vector<std::string>{"ops@example.com"});
    for (auto& [k, v] : extra) o.Set(k, v);
    if (require_tls) o.Set("require_tls", *require_tls);
    EXPECT_TRUE(o.ApplyDefaults(email->options, "test").has_value());
    return email->build("mail", o, "/proj");
  };
  EXPECT_FALSE(build({}, std::nullopt).require_tls);
  EXPECT_TRUE(build({{"password", "${SMTP_PASSWORD}"}}, std::nullopt).require_tls);
  EXPECT_TRUE(build({{"username", "alerts"}}, std::nullopt).require_tls);
  EXPECT_FALSE(build({{"password", "${SMTP_PASSWORD}"}}, false).require_tls);  // the explicit opt-out
  EXPECT_TRUE(build({}, true).require_tls);
}

TEST_F(AlertChannelsConfigTest, UnknownTypeListsTheRegisteredTypes) {
  auto r = Load("    page: {type: pager}\n");
  EXPECT_EQ(Errors(r), (std::vector<std::string>{"datasync.yaml:8:18: alerts.channels.page.type: 'pager' is not "
                                                 "allowed (allowed: email, webhook)"}));
  r = Load("    page: {url: 'https://example.com/hook'}\n");
  EXPECT_EQ(Errors(r), (std::vector<std::string>{"datasync.yaml:8:5: alerts.channels.page: missing required key "
                                                 "'type' (allowed: email, webhook)"}));
}

TEST_F(AlertChannelsConfigTest, OptionsAreReadFromTheTypesTable) {
  auto r = Load(R"yaml(    mail:
      type: email
      smtp_url: smtps://smtp.example.com:465
      from: ds@example.com
      to: [ops@example.com, dev@example.com]
      require_tls: yes
      verify_tls: off
      ca_file: certs/ca.pem
      timeout_secs: 30
    hook:
      type: webhook
      url: https://chat.example.com/robot
      format: feishu
      headers: {X-Team: quant}
)yaml");
  ASSERT_TRUE(Errors(r).empty()) << ::testing::PrintToString(Errors(r));
  ASSERT_TRUE(r.config.has_value());
  const auto& channels = r.config->alerts.channels;
  ASSERT_EQ(channels.size(), 2u);
  EXPECT_EQ(channels[0].type, alerting::ChannelType::kEmail);
  EXPECT_EQ(channels[0].to, (std::vector<std::string>{"ops@example.com", "dev@example.com"}));
  EXPECT_TRUE(channels[0].require_tls);
  EXPECT_FALSE(channels[0].verify_tls);
  EXPECT_EQ(channels[0].ca_file, "/proj/certs/ca.pem");
  EXPECT_EQ(channels[0].timeout_secs, 30);
  EXPECT_EQ(channels[1].type, alerting::ChannelType::kWebhook);
  EXPECT_EQ(channels[1].format, alerting::WebhookFormat::kFeishu);
  EXPECT_EQ(channels[1].timeout_secs, 10);
  EXPECT_TRUE(channels[1].verify_tls);
  EXPECT_EQ(channels[1].headers, (std::vector<std::pair<std::string, std::string>>{{"X-Team", "quant"}}));
}

TEST_F(AlertChannelsConfigTest, ProblemsPointAtTheirValues) {
  auto r = Load(R"yaml(    hook:
      type: webhook
      url: ftp://example.com/hook
      timeout_secs: 0
    mail:
      type: email
      smtp_url: smtp://smtp.example.com:587
      to: []
)yaml");
  EXPECT_EQ(Errors(r),
            (std::vector<std::string>{
                "datasync.yaml:10:12: alerts.channels.hook.url: 'ftp://example.com/hook' is not an http:// or "
                "https:// URL (or a ${ENV} reference to one)",
                "datasync.yaml:11:21: alerts.channels.hook.timeout_secs: must be between 1 and 600, got 0",
                "datasync.yaml:12:5: alerts.channels.mail: missing required key 'from' (the sender address)",
                "datasync.yaml:15:11: alerts.channels.mail.to: name at least one recipient"}));
}

}  // namespace
}  // namespace datasync::app
