// Channel: where alert messages go (an e-mail address list over SMTP, a webhook). A Message groups the
// alerts of one grouping window for one channel; the channel renders it with its templates (see
// MessageData for the names a template may use) and delivers it.
//
// Lifecycle: MakeChannel validates the spec (templates parse) and keeps it; Send resolves secrets at the
// moment of sending, so a rotated ${ENV} value is picked up by a restart and never stored.
// Thread-safety: Send may be called from one thread at a time per channel.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "alerting/alert.hpp"
#include "alerting/alerts_config.hpp"
#include "core/error.hpp"
#include "core/options.hpp"
#include "generation/text_template.hpp"

namespace datasync::alerting {

struct Message {
  std::string project;
  std::string title;          // one line
  std::string text;           // the alerts, one paragraph each
  std::vector<Alert> alerts;  // the distinct alerts listed (at most a limit)
  int64_t more = 0;           // distinct alerts beyond those listed
  int64_t suppressed = 0;     // repeats and alerts held back since this channel's last message
  int64_t at_us = 0;
};

// The names templates see (generation::TextTemplate, the mustache subset of request bodies): project, title,
// text, count, more and suppressed (empty when 0, for sections), suppressed_count (a number), time, and
// alerts_json: the alerts as a JSON array of {event, plan, run_id, slot, title, message, time}, to be used
// unescaped ({{{alerts_json}}}).
generation::TemplateVars MessageData(const Message& message);

class Channel {
 public:
  virtual ~Channel() = default;
  virtual const std::string& name() const = 0;
  virtual core::Status Send(const Message& message) = 0;
};

// The default body template of a webhook format (what `body:` replaces), and the e-mail defaults.
std::string_view DefaultWebhookBody(WebhookFormat format);
std::string_view DefaultEmailSubject();
std::string_view DefaultEmailBody();

// Checks the spec's templates. A webhook channel has its own HTTP client (its TLS settings are its own).
core::Result<std::unique_ptr<Channel>> MakeChannel(const ChannelSpec& spec);

// The settings Send resolves as ${ENV} references when it sends (an e-mail channel's username and
// password; a webhook's url and header values), checked before any alert needs them: a reference written
// inside other text (which Send would use as written), and, with ctx.resolve_secrets, a variable that is
// unset (looked up, and its value registered for redaction). Problems are keyed by the setting
// ("password", "url", "headers.Authorization").
core::OptionProblems CheckChannelSecrets(const ChannelSpec& spec, const core::OptionCheckContext& ctx);

}  // namespace datasync::alerting
