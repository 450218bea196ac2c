// The `type: email` channel: its option table, the rules beyond it, and the ChannelSpec it builds.
#include "alerting/channel_options.hpp"
#include "alerting/channel_registry.hpp"

namespace datasync::alerting {

std::span<const core::OptionSpec> EmailChannelOptions() {
  static const std::vector<core::OptionSpec> table = [] {
    std::vector<core::OptionSpec> t;
    // A missing required key's message shows the description as its hint.
    t.push_back({email::kSmtpUrl.name, core::OptionType::kString, "", true, "", "e.g. smtps://smtp.example.com:465"});
    t.push_back({email::kUsername.name, core::OptionType::kString, "", false, "", "SMTP login (${ENV} or text)"});
    t.push_back({email::kPassword.name, core::OptionType::kSecret, "", false, "", "SMTP password (${ENV})"});
    t.push_back({email::kFrom.name, core::OptionType::kString, "", true, "", "the sender address"});
    t.push_back({email::kTo.name, core::OptionType::kStringList, "", true, "", "recipient addresses"});
    // No fixed default: on when credentials are set (BuildEmail), so that a server, or anyone in between,
    // cannot strip STARTTLS and read the password; off without credentials.
    t.push_back({email::kRequireTls.name, core::OptionType::kBool, "", false, "",
                 "refuse an smtp:// server that does not offer STARTTLS; default: true when username or password "
                 "is set (turning it off then sends the password in clear to such a server, with a warning), "
                 "else false"});
    t.push_back({email::kSubject.name, core::OptionType::kString, "", false, "",
                 "subject template; empty: \"[datasync PROJECT] TITLE\""});
    t.push_back(
        {email::kBody.name, core::OptionType::kString, "", false, "", "body template; empty: the default text"});
    AppendCommonChannelOptions(t);
    return t;
  }();
  return table;
}

namespace {

core::OptionProblems ValidateEmail(const core::Options& options, const core::OptionCheckContext&) {
  core::OptionProblems problems;
  if (options.Has(email::kSmtpUrl.name)) {
    auto u = options.Get(email::kSmtpUrl);
    if (!u.starts_with("smtp://") && !u.starts_with("smtps://")) {
      problems.push_back(
          {std::string(email::kSmtpUrl.name), "'" + u +
                                                  "' is not an smtp:// or smtps:// URL (smtp://host:587 upgrades with "
                                                  "STARTTLS; smtps://host:465 is TLS from the start)"});
    }
  }
  if (options.Has(email::kTo.name) && options.Get(email::kTo).empty()) {
    problems.push_back({std::string(email::kTo.name), "name at least one recipient"});
  }
  CheckTemplateOption(options, email::kSubject, generation::Escape::kNone, problems);
  CheckTemplateOption(options, email::kBody, generation::Escape::kNone, problems);
  return problems;
}

ChannelSpec BuildEmail(const std::string& name, const core::Options& options,
                       const std::filesystem::path& project_dir) {
  ChannelSpec spec;
  spec.name = name;
  spec.type = ChannelType::kEmail;
  spec.smtp_url = options.Get(email::kSmtpUrl);
  spec.username = options.Get(email::kUsername);
  spec.password = options.Get(email::kPassword);
  spec.from = options.Get(email::kFrom);
  spec.to = options.Get(email::kTo);
  spec.require_tls = options.Has(email::kRequireTls.name) ? options.Get(email::kRequireTls)
                                                          : !spec.username.empty() || !spec.password.empty();
  spec.subject = options.Get(email::kSubject);
  spec.body = options.Get(email::kBody);
  ReadCommonChannelOptions(options, project_dir, spec);
  return spec;
}

}  // namespace

void RegisterEmailChannel(ChannelRegistry& registry) {
  registry.Register({.id = "email",
                     .description = "e-mail over SMTP (smtp:// with STARTTLS, or smtps://)",
                     .options = EmailChannelOptions(),
                     .validate = ValidateEmail,
                     .build = BuildEmail});
}

}  // namespace datasync::alerting
