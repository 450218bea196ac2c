// WebhookChannel: alert messages POSTed as JSON to a URL, in the generic form or the shape a chat
// platform's incoming-webhook robot expects (Slack, DingTalk, WeCom, Feishu). The body is a template whose
// values are JSON-escaped, so no alert text can break the document. Platforms that answer HTTP 200 with an
// error code in the body (DingTalk/WeCom `errcode`, Feishu `code`) are checked for it.
// Thread-safety: as Channel.
#pragma once

#include <memory>

#include "alerting/channel.hpp"

namespace datasync::net {
class HttpClient;
}

namespace datasync::alerting {

class WebhookChannel final : public Channel {
 public:
  static core::Result<std::unique_ptr<WebhookChannel>> Make(const ChannelSpec& spec);
  ~WebhookChannel() override;
  const std::string& name() const override { return spec_.name; }
  core::Status Send(const Message& message) override;

 private:
  WebhookChannel(ChannelSpec spec, generation::TextTemplate body, std::unique_ptr<net::HttpClient> http);
  ChannelSpec spec_;
  generation::TextTemplate body_;
  std::unique_ptr<net::HttpClient> http_;
};

}  // namespace datasync::alerting
