#include "alerting/email_channel.hpp"

#include "core/secrets.hpp"
#include "net/smtp_client.hpp"

namespace datasync::alerting {

std::string_view DefaultEmailSubject() {
  return "[datasync {{project}}] {{title}}";
}

std::string_view DefaultEmailBody() {
  return "{{text}}\n"
         "{{#more}}\n...and {{more}} more alert(s).\n{{/more}}"
         "{{#suppressed}}\n{{suppressed}} repeated or held-back alert(s) were not sent separately.\n{{/suppressed}}"
         "\n-- \ndatasync, project {{project}}, {{time}}\n";
}

core::Result<std::unique_ptr<EmailChannel>> EmailChannel::Make(const ChannelSpec& spec) {
  auto subject = generation::TextTemplate::Parse(spec.subject.empty() ? DefaultEmailSubject() : spec.subject,
                                                 generation::Escape::kNone);
  if (!subject) return core::Fail(subject.error().Context("alerts.channels." + spec.name + ".subject"));
  auto body =
      generation::TextTemplate::Parse(spec.body.empty() ? DefaultEmailBody() : spec.body, generation::Escape::kNone);
  if (!body) return core::Fail(body.error().Context("alerts.channels." + spec.name + ".body"));
  return std::unique_ptr<EmailChannel>(new EmailChannel(spec, std::move(*subject), std::move(*body)));
}

core::Status EmailChannel::Send(const Message& message) {
  net::SmtpOptions o;
  o.url = spec_.smtp_url;
  // A user name is not a secret: only a ${ENV} reference is resolved (and then masked like any secret).
  o.username = spec_.username;
  if (core::IsSecretReference(spec_.username)) {
    auto user = core::ResolveSecret(spec_.username, "alerts.channels." + spec_.name + ".username");
    if (!user) return core::Fail(user.error());
    o.username = *user;
  }
  if (!spec_.password.empty()) {
    auto password = core::ResolveSecret(spec_.password, "alerts.channels." + spec_.name + ".password");
    if (!password) return core::Fail(password.error());
    o.password = *password;
  }
  o.require_tls = spec_.require_tls;
  o.verify_tls = spec_.verify_tls;
  o.ca_file = spec_.ca_file;
  o.timeout = std::chrono::seconds(spec_.timeout_secs);
  generation::TemplateVars data = MessageData(message);
  net::MailMessage mail;
  mail.from = spec_.from;
  mail.to = spec_.to;
  mail.subject = subject_.Render(data);
  // One line: a template with a newline must not be able to add headers.
  for (char& c : mail.subject) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  mail.body = body_.Render(data);
  auto st = net::SmtpClient::Send(o, mail);
  if (!st) return core::Fail(st.error().Context("alert channel '" + spec_.name + "'"));
  return core::Ok();
}

}  // namespace datasync::alerting
