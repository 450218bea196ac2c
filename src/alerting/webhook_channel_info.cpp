// The `type: webhook` channel: its option table, the rules beyond it, and the ChannelSpec it builds. Its
// map-valued `headers` are not an option of the table: config loading reads them (see ParseChannel).
#include "alerting/channel_options.hpp"
#include "alerting/channel_registry.hpp"
#include "core/secrets.hpp"

namespace datasync::alerting {

std::span<const core::OptionSpec> WebhookChannelOptions() {
  static const std::vector<core::OptionSpec> table = [] {
    std::vector<core::OptionSpec> t;
    // A missing required key's message shows the description as its hint.
    t.push_back({webhook::kUrl.name, core::OptionType::kString, "", true, "", "e.g. url: ${SLACK_WEBHOOK_URL}"});
    t.push_back({webhook::kFormat.name,
                 core::OptionType::kEnum,
                 "json",
                 false,
                 "",
                 "the request body's form: generic JSON or a chat robot's",
                 {"json", "slack", "dingtalk", "wecom", "feishu"}});
    t.push_back({webhook::kBody.name, core::OptionType::kString, "", false, "",
                 "JSON body template; empty: the format's default"});
    AppendCommonChannelOptions(t);
    return t;
  }();
  return table;
}

namespace {

core::OptionProblems ValidateWebhook(const core::Options& options, const core::OptionCheckContext&) {
  core::OptionProblems problems;
  if (options.Has(webhook::kUrl.name)) {
    auto u = options.Get(webhook::kUrl);
    if (!core::IsSecretReference(u)) {
      if (!u.starts_with("http://") && !u.starts_with("https://")) {
        problems.push_back({std::string(webhook::kUrl.name),
                            "'" + u + "' is not an http:// or https:// URL (or a ${ENV} reference to one)"});
      }
      // Chat robots carry their token in the URL: keep it out of every log line.
      if (auto q = u.find('?'); q != std::string::npos) core::RegisterSecret(u.substr(q + 1));
    }
  }
  CheckTemplateOption(options, webhook::kBody, generation::Escape::kJson, problems);
  return problems;
}

ChannelSpec BuildWebhook(const std::string& name, const core::Options& options,
                         const std::filesystem::path& project_dir) {
  ChannelSpec spec;
  spec.name = name;
  spec.type = ChannelType::kWebhook;
  spec.url = options.Get(webhook::kUrl);
  spec.format = ParseWebhookFormat(options.Get(webhook::kFormat)).value_or(WebhookFormat::kJson);
  spec.body = options.Get(webhook::kBody);
  ReadCommonChannelOptions(options, project_dir, spec);
  return spec;
}

}  // namespace

void RegisterWebhookChannel(ChannelRegistry& registry) {
  registry.Register({.id = "webhook",
                     .description = "an HTTP POST: generic JSON, Slack, DingTalk, WeCom or Feishu",
                     .options = WebhookChannelOptions(),
                     .http_headers = true,
                     .validate = ValidateWebhook,
                     .build = BuildWebhook});
}

}  // namespace datasync::alerting
