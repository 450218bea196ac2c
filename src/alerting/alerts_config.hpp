// AlertsConfig: the `alerts:` section of datasync.yaml as validated data: channels (e-mail over SMTP,
// webhooks in generic JSON, Slack, DingTalk, WeCom or Feishu form), rules routing alert events of some
// plans to channels, the grouping/deduplication/rate limits, and the daily summary. Secrets (SMTP
// password, webhook URLs with tokens, header values) are kept as their ${ENV} references and resolved
// when a message is sent. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "alerting/alert.hpp"

namespace datasync::alerting {

enum class ChannelType : uint8_t { kEmail, kWebhook };
enum class WebhookFormat : uint8_t { kJson, kSlack, kDingTalk, kWeCom, kFeishu };
std::string_view WebhookFormatName(WebhookFormat f);  // "json", "slack", "dingtalk", "wecom", "feishu"
std::optional<WebhookFormat> ParseWebhookFormat(std::string_view s);

struct ChannelSpec {
  std::string name;
  ChannelType type = ChannelType::kWebhook;
  // email
  std::string smtp_url;  // smtp://host:port (STARTTLS when offered) or smtps://host:port
  std::string username;  // ${ENV} or text
  std::string password;  // ${ENV}
  std::string from;
  std::vector<std::string> to;
  bool require_tls = false;  // as configured, else true when username or password is set
  std::string subject;  // template; empty: "[datasync PROJECT] TITLE"
  // webhook
  std::string url;  // ${ENV} or text (chat webhooks carry their token in the URL)
  WebhookFormat format = WebhookFormat::kJson;
  std::vector<std::pair<std::string, std::string>> headers;  // values may be ${ENV}
  // both
  std::string body;  // template; empty: the format's default
  bool verify_tls = true;
  std::string ca_file;  // absolute path; empty: the system store
  int64_t timeout_secs = 10;

  friend bool operator==(const ChannelSpec&, const ChannelSpec&) = default;
};

struct RuleSpec {
  std::vector<AlertEvent> events;
  std::vector<std::string> plans;  // empty: every plan
  std::vector<std::string> channels;
  friend bool operator==(const RuleSpec&, const RuleSpec&) = default;
};

struct DailySummarySpec {
  std::string at;        // "HH:MM" local; empty: no summary
  std::string timezone;  // IANA; empty: UTC
  std::vector<std::string> channels;
  friend bool operator==(const DailySummarySpec&, const DailySummarySpec&) = default;
};

struct AlertsConfig {
  std::vector<ChannelSpec> channels;
  std::vector<RuleSpec> rules;
  int64_t group_secs = 10;    // alerts arriving within this window go out as one message per channel
  int64_t dedup_secs = 3600;  // the same alert again within this window is counted, not sent
  int64_t max_per_hour = 20;  // messages per channel per hour; beyond it alerts wait and go out together
  DailySummarySpec daily_summary;
  friend bool operator==(const AlertsConfig&, const AlertsConfig&) = default;
};

}  // namespace datasync::alerting
