#include "alerting/channel.hpp"

#include <array>
#include <nlohmann/json.hpp>

#include "alerting/email_channel.hpp"
#include "alerting/webhook_channel.hpp"
#include "core/dates.hpp"
#include "core/json_text.hpp"
#include "core/secrets.hpp"

namespace datasync::alerting {

namespace {
constexpr std::array<std::string_view, 5> kFormats = {"json", "slack", "dingtalk", "wecom", "feishu"};

std::string Time(int64_t us) {
  return us ? core::FormatTimestamp(us - us % 1'000'000) + " UTC" : "";
}
}  // namespace

std::string_view WebhookFormatName(WebhookFormat f) {
  return kFormats.at(static_cast<size_t>(f));
}

std::optional<WebhookFormat> ParseWebhookFormat(std::string_view s) {
  for (size_t i = 0; i < kFormats.size(); ++i) {
    if (kFormats[i] == s) return static_cast<WebhookFormat>(i);
  }
  return std::nullopt;
}

generation::TemplateVars MessageData(const Message& m) {
  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const Alert& a : m.alerts) {
    items.push_back({{"event", std::string(AlertEventName(a.event))},
                     {"plan", a.plan},
                     {"run_id", a.run_id},
                     {"slot", Time(a.slot_us)},
                     {"title", a.title},
                     {"message", a.message},
                     {"time", Time(a.at_us)}});
  }
  return {{"project", m.project},
          {"title", m.title},
          {"text", m.text},
          {"count", std::to_string(m.alerts.size() + static_cast<size_t>(m.more))},
          {"more", m.more ? std::to_string(m.more) : ""},
          {"suppressed", m.suppressed ? std::to_string(m.suppressed) : ""},
          {"suppressed_count", std::to_string(m.suppressed)},
          {"time", Time(m.at_us)},
          {"alerts_json", core::JsonText(items)}};
}

core::Result<std::unique_ptr<Channel>> MakeChannel(const ChannelSpec& spec) {
  if (spec.type == ChannelType::kEmail) {
    auto c = EmailChannel::Make(spec);
    if (!c) return core::Fail(c.error());
    return std::unique_ptr<Channel>(std::move(*c));
  }
  auto c = WebhookChannel::Make(spec);
  if (!c) return core::Fail(c.error());
  return std::unique_ptr<Channel>(std::move(*c));
}

core::OptionProblems CheckChannelSecrets(const ChannelSpec& spec, const core::OptionCheckContext& ctx) {
  std::vector<std::pair<std::string, std::string>> refs;  // as EmailChannel::Send and WebhookChannel::Send
  if (spec.type == ChannelType::kEmail) {
    refs = {{"username", spec.username}, {"password", spec.password}};
  } else {
    refs.emplace_back("url", spec.url);
    for (const auto& [name, value] : spec.headers) refs.emplace_back("headers." + name, value);
  }
  core::OptionProblems problems;
  for (const auto& [key, value] : refs) {
    if (!core::IsSecretReference(value)) {
      // A literal is used as written; the text around a reference is not echoed (it may be a secret).
      if (value.find("${") != std::string::npos) {
        problems.push_back({key,
                            "a ${...} inside other text is sent as written: only a whole value can be a reference "
                            "(put all of it, e.g. 'Bearer ...', in the environment variable)",
                            "${"});
      }
      continue;
    }
    if (!ctx.resolve_secrets) continue;
    if (auto v = core::ResolveSecret(value, ""); !v) problems.push_back({key, v.error().message(), value});
  }
  return problems;
}

}  // namespace datasync::alerting
