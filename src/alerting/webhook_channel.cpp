#include "alerting/webhook_channel.hpp"

#include <nlohmann/json.hpp>

#include "core/excerpt.hpp"
#include "core/secrets.hpp"
#include "net/cleartext.hpp"
#include "net/http_client.hpp"

namespace datasync::alerting {

std::string_view DefaultWebhookBody(WebhookFormat format) {
  switch (format) {
    case WebhookFormat::kJson:
      return R"({"source":"datasync","project":"{{project}}","title":"{{title}}","text":"{{text}}",)"
             R"("count":{{count}},"suppressed":{{suppressed_count}},"time":"{{time}}","alerts":{{{alerts_json}}}})";
    // https://api.slack.com/messaging/webhooks
    case WebhookFormat::kSlack: return R"({"text":"*{{title}}*\n{{text}}"})";
    // https://open.dingtalk.com/document/robots/custom-robot-access ; WeCom's robot takes the same shape
    case WebhookFormat::kDingTalk:
    case WebhookFormat::kWeCom: return R"({"msgtype":"text","text":{"content":"{{title}}\n{{text}}"}})";
    // https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot
    case WebhookFormat::kFeishu: return R"({"msg_type":"text","content":{"text":"{{title}}\n{{text}}"}})";
  }
  return "";
}

WebhookChannel::WebhookChannel(ChannelSpec spec, generation::TextTemplate body, std::unique_ptr<net::HttpClient> http)
    : spec_(std::move(spec)), body_(std::move(body)), http_(std::move(http)) {}
WebhookChannel::~WebhookChannel() = default;

core::Result<std::unique_ptr<WebhookChannel>> WebhookChannel::Make(const ChannelSpec& spec) {
  auto body = generation::TextTemplate::Parse(spec.body.empty() ? DefaultWebhookBody(spec.format) : spec.body,
                                              generation::Escape::kJson);
  if (!body) return core::Fail(body.error().Context("alerts.channels." + spec.name + ".body"));
  net::HttpClientOptions o;
  o.max_connections = 2;
  o.verify_tls = spec.verify_tls;
  o.ca_file = spec.ca_file;
  o.timeout = std::chrono::seconds(spec.timeout_secs);
  o.connect_timeout = std::chrono::seconds(std::min<int64_t>(spec.timeout_secs, 10));
  return std::unique_ptr<WebhookChannel>(
      new WebhookChannel(spec, std::move(*body), std::make_unique<net::HttpClient>(o)));
}

core::Status WebhookChannel::Send(const Message& message) {
  std::string where = "alert channel '" + spec_.name + "'";
  auto url = core::ResolveSecret(spec_.url, "alerts.channels." + spec_.name + ".url");
  if (!url) return core::Fail(url.error());
  net::HttpRequest req;
  req.method = "POST";
  req.url = *url;
  req.headers.emplace_back("Content-Type", "application/json; charset=utf-8");
  for (const auto& [k, v] : spec_.headers) {
    auto value = core::ResolveSecret(v, "alerts.channels." + spec_.name + ".headers." + k);
    if (!value) return core::Fail(value.error());
    req.headers.emplace_back(k, *value);
  }
  req.body = body_.Render(MessageData(message));
  req.max_body_bytes = net::kMaxWebhookAnswerBytes;
  // A URL given as a reference or with a query (DingTalk's access_token) and custom headers (Authorization,
  // a signing key) are what the configuration treats as secret.
  if (net::IsCleartextHttp(req.url) &&
      (!spec_.headers.empty() || core::IsSecretReference(spec_.url) || req.url.find('?') != std::string::npos)) {
    std::string host = net::UrlHost(req.url);
    net::WarnOnce("webhook " + spec_.name + " " + host,
                  where + ": the webhook's credentials (its headers, the token in its URL) travel in clear to " + host +
                      " (the URL is http://): anyone on the path can read them; use an https:// URL");
  }
  auto resp = http_->Send(req);
  if (!resp) return core::Fail(resp.error().Context(where));
  // Excerpt redacts before it cuts: a cut through an echoed secret must not leave half of it.
  auto snippet = [&] { return core::Excerpt(resp->body, 200); };
  if (resp->status < 200 || resp->status >= 300) {
    core::ErrorKind kind = resp->status >= 500 || resp->status == 429   ? core::ErrorKind::kTransient
                           : resp->status == 401 || resp->status == 403 ? core::ErrorKind::kPermission
                                                                        : core::ErrorKind::kPermanent;
    return core::Fail(kind, where + ": the webhook answered HTTP " + std::to_string(resp->status) + ": " + snippet());
  }
  // DingTalk and WeCom answer {"errcode":0,...}, Feishu {"code":0,...}; anything else non-zero is a refusal
  // (a wrong keyword, a bad signature, a disabled robot).
  if (spec_.format == WebhookFormat::kDingTalk || spec_.format == WebhookFormat::kWeCom ||
      spec_.format == WebhookFormat::kFeishu) {
    auto doc = nlohmann::json::parse(resp->body, nullptr, false);
    const char* field = spec_.format == WebhookFormat::kFeishu ? "code" : "errcode";
    if (doc.is_object() && doc.contains(field) && doc[field].is_number_integer() && doc[field].get<int64_t>() != 0) {
      return core::Fail(core::ErrorKind::kPermanent, where + ": the robot refused the message: " + snippet());
    }
  }
  return core::Ok();
}

}  // namespace datasync::alerting
