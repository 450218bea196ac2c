// Error rules of a rest source: how the vendor's answers that are not data map to datasync's error classes
// (ARCHITECTURE §5: providers classify, sync/ decides). Each rule of `error_rules:` matches on any of an
// HTTP status, a JSON value at `code_path` (and the regex `code_match` on it) and a JSON value at
// `message_path` (and `message_match`), all of which must hold; the first rule that matches names the class
// and where the wait comes from (a header such as Retry-After, a regex on the message, or a fixed number of
// seconds). A 2xx answer that matches a rule is an error too (vendors that answer 200 or 202 with one).
// Answers no rule matches fall back to the defaults: 429 RATE_LIMITED (Retry-After, else the source's
// rate_limit_wait_secs), 401/403 PERMISSION, 400/404/422 INVALID_INPUT, 408 and 5xx TRANSIENT, other
// statuses PERMANENT; a 2xx body that is not JSON is TRANSIENT (a proxy's page, a cut body).
//
// The class RESTART_PAGING is not an error class of its own: it says the vendor refused a later page's
// position (an expired cursor, an offset past a snapshot) and the decoder restarts the task's pages from the
// first (datasource/page_chain.hpp); where it cannot (a first page, too many restarts), Classify reports the
// answer as INVALID_INPUT naming the rule and why (ClassifyContext::restart_failure).
//
// Rules are parsed once when the provider is created (and by config validation, which reports each field
// at its line and column); Classify is const and thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <regex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/options.hpp"
#include "core/time_zone.hpp"
#include "datasource/rest/json_path.hpp"

namespace datasync::datasource::rest {

// The fields of one `error_rules` entry (a kRecordList's table).
std::span<const core::OptionSpec> ErrorRuleFields();

inline constexpr std::string_view kRestartPagingClass = "RESTART_PAGING";

struct Pattern {
  std::string text;
  std::regex regex;
};

struct ErrorRule {
  size_t index = 0;  // its position in error_rules, for messages
  std::optional<long> status;
  std::optional<JsonPath> code_path;
  std::optional<Pattern> code_match;
  std::optional<JsonPath> message_path;
  std::optional<Pattern> message_match;
  core::ErrorKind kind = core::ErrorKind::kPermanent;  // kInvalidInput for a RESTART_PAGING rule
  bool restart_paging = false;                         // class RESTART_PAGING
  std::string wait_header;                             // lower-cased
  std::optional<Pattern> wait_pattern;
  std::optional<int64_t> wait_secs;
};

// One entry read and checked: its fields typed, its paths and regexes compiled, at least one condition,
// wait_pattern with a group. Failures are kConfig; `problems` gets (field, message) pairs so that config
// loading reports each at its value.
std::optional<ErrorRule> ParseErrorRule(const core::OptionRecord& record, size_t index,
                                        std::vector<std::pair<std::string, std::string>>& problems);

// What Classify looks at in an answer. `root` is the parsed body, or null when it is not JSON.
struct Answer {
  long status = 0;
  const simdjson::dom::element* root = nullptr;
  std::string_view body;
  // Response headers, names lower-cased.
  const std::vector<std::pair<std::string, std::string>>* headers = nullptr;
};

struct ClassifyContext {
  std::string prefix;  // "rest NAME/DATASET: "
  core::TimePoint now{};
  const core::TimeZone* tz = nullptr;  // the vendor's day, for QUOTA_EXHAUSTED without a wait; UTC when null
  std::chrono::seconds rate_limit_wait{60};
  std::string auth_advice;      // appended to PERMISSION errors: which credential to check
  std::string restart_failure;  // why a RESTART_PAGING rule's answer could not restart the pages
};

// Whether every condition of `rule` holds for the answer.
bool Matches(const ErrorRule& rule, const Answer& answer);
// The first rule that matches, or null.
const ErrorRule* FirstMatch(const std::vector<ErrorRule>& rules, const Answer& answer);

// The error the first matching rule names, else (for a status outside 2xx) the default; nullopt for a 2xx
// answer no rule matches. The message names the rule, the status, the vendor's code and an excerpt of its
// message (redacted: core::Excerpt), never a credential.
std::optional<core::Error> Classify(const std::vector<ErrorRule>& rules, const Answer& answer,
                                    const ClassifyContext& ctx);

// The header's value (name lower-case), or "".
std::string_view HeaderValue(const std::vector<std::pair<std::string, std::string>>* headers, std::string_view name);

}  // namespace datasync::datasource::rest
