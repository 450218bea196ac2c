// What the channel types' option tables share: the TLS and timeout settings every channel has, reading them
// into a ChannelSpec, and the check that a message template parses. Internal to alerting's channel types.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "alerting/alerts_config.hpp"
#include "core/options.hpp"
#include "generation/text_template.hpp"

namespace datasync::alerting {

// verify_tls, ca_file, timeout_secs (1 to 600 seconds): the end of every channel type's table.
std::span<const core::OptionSpec> CommonChannelOptions();
void AppendCommonChannelOptions(std::vector<core::OptionSpec>& table);
inline constexpr core::OptionKey<bool> kVerifyTls{"verify_tls", CommonChannelOptions};
inline constexpr core::OptionKey<std::string> kCaFile{"ca_file", CommonChannelOptions};
inline constexpr core::OptionKey<int64_t> kTimeoutSecs{"timeout_secs", CommonChannelOptions};

// The keys of the email table (EmailChannelOptions) and the webhook table (WebhookChannelOptions).
std::span<const core::OptionSpec> EmailChannelOptions();
std::span<const core::OptionSpec> WebhookChannelOptions();
namespace email {
inline constexpr core::OptionKey<std::string> kSmtpUrl{"smtp_url", EmailChannelOptions};
inline constexpr core::OptionKey<std::string> kUsername{"username", EmailChannelOptions};
inline constexpr core::OptionKey<std::string> kPassword{"password", EmailChannelOptions};
inline constexpr core::OptionKey<std::string> kFrom{"from", EmailChannelOptions};
inline constexpr core::OptionKey<std::vector<std::string>> kTo{"to", EmailChannelOptions};
inline constexpr core::OptionKey<bool> kRequireTls{"require_tls", EmailChannelOptions};
inline constexpr core::OptionKey<std::string> kSubject{"subject", EmailChannelOptions};
inline constexpr core::OptionKey<std::string> kBody{"body", EmailChannelOptions};
}  // namespace email
namespace webhook {
inline constexpr core::OptionKey<std::string> kUrl{"url", WebhookChannelOptions};
inline constexpr core::OptionKey<std::string> kFormat{"format", WebhookChannelOptions};
inline constexpr core::OptionKey<std::string> kBody{"body", WebhookChannelOptions};
}  // namespace webhook
// Sets spec's verify_tls, ca_file (relative to project_dir) and timeout_secs from the options.
void ReadCommonChannelOptions(const core::Options& options, const std::filesystem::path& project_dir,
                              ChannelSpec& spec);
// A problem keyed `key` when the option is set and does not parse as a template with `escape`.
void CheckTemplateOption(const core::Options& options, const core::OptionKey<std::string>& key,
                         generation::Escape escape, core::OptionProblems& problems);

}  // namespace datasync::alerting
