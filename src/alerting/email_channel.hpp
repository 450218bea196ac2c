// EmailChannel: alert messages as plain-text e-mail through an SMTP server (net::SmtpClient): subject and
// body from templates (no escaping: the body is text), the password resolved from its ${ENV} reference
// when sending. Thread-safety: as Channel.
#pragma once

#include <memory>

#include "alerting/channel.hpp"

namespace datasync::alerting {

class EmailChannel final : public Channel {
 public:
  static core::Result<std::unique_ptr<EmailChannel>> Make(const ChannelSpec& spec);
  const std::string& name() const override { return spec_.name; }
  core::Status Send(const Message& message) override;

 private:
  EmailChannel(ChannelSpec spec, generation::TextTemplate subject, generation::TextTemplate body)
      : spec_(std::move(spec)), subject_(std::move(subject)), body_(std::move(body)) {}
  ChannelSpec spec_;
  generation::TextTemplate subject_, body_;
};

}  // namespace datasync::alerting
