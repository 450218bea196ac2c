#include "datasource/rest/error_rules.hpp"

#include <simdjson.h>

#include <algorithm>
#include <cmath>

#include "core/dates.hpp"
#include "core/excerpt.hpp"
#include "core/strings.hpp"
#include "net/http_status.hpp"

namespace datasync::datasource::rest {

namespace {

using core::ErrorKind;
using core::OptionSpec;
using core::OptionType;

// Regexes run on a vendor's text: libstdc++'s matcher recurses per character, so what it reads is cut to a
// length that cannot exhaust a worker's stack; codes and messages that decide a class are short.
constexpr size_t kMaxMatchedBytes = 1024;

const std::vector<std::string_view>& ClassNames() {
  static const std::vector<std::string_view> names = {"RATE_LIMITED",  "QUOTA_EXHAUSTED",  "PERMISSION",
                                                      "INVALID_INPUT", "TRANSIENT",        "TRUNCATED",
                                                      "PERMANENT",     kRestartPagingClass};
  return names;
}

std::optional<Pattern> Compile(const core::Options& o, std::string_view field,
                               std::vector<std::pair<std::string, std::string>>& problems) {
  if (!o.Has(field)) return std::nullopt;
  std::string text = o.GetString(field);
  try {
    return Pattern{text, std::regex(text, std::regex::ECMAScript)};
  } catch (const std::regex_error& e) {
    problems.emplace_back(std::string(field), "'" + text + "' is not a valid regular expression (" + e.what() + ")");
    return std::nullopt;
  }
}

std::optional<JsonPath> Path(const core::Options& o, std::string_view field,
                             std::vector<std::pair<std::string, std::string>>& problems) {
  if (!o.Has(field)) return std::nullopt;
  auto p = ParseJsonPath(o.GetString(field));
  if (!p) {
    problems.emplace_back(std::string(field), p.error().message());
    return std::nullopt;
  }
  return *p;
}

bool Search(const Pattern& p, std::string_view text) {
  text = text.substr(0, kMaxMatchedBytes);
  return std::regex_search(text.begin(), text.end(), p.regex);
}

// The value at `path` in the body, when the body is JSON and has it.
std::optional<std::string> ValueAt(const Answer& a, const std::optional<JsonPath>& path) {
  if (!path || a.root == nullptr) return std::nullopt;
  simdjson::dom::element e;
  if (!FindAt(*a.root, *path, e)) return std::nullopt;
  if (e.is_null()) return std::nullopt;
  return ScalarText(e);
}

}  // namespace

bool Matches(const ErrorRule& r, const Answer& a) {
  if (r.status && *r.status != a.status) return false;
  if (r.code_path) {
    auto v = ValueAt(a, r.code_path);
    if (!v || (r.code_match && !Search(*r.code_match, *v))) return false;
  }
  if (r.message_path) {
    auto v = ValueAt(a, r.message_path);
    if (!v || (r.message_match && !Search(*r.message_match, *v))) return false;
  }
  return true;
}

namespace {

std::chrono::milliseconds Clamp(double seconds) {
  if (!(seconds > 0)) return std::chrono::milliseconds(0);
  double capped = std::min(seconds, static_cast<double>(net::kMaxRetryAfter.count()));
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(capped * 1000)));
}

// The rule's wait: its header, else its pattern's first group in the message, else its fixed seconds.
std::optional<std::chrono::milliseconds> RuleWait(const ErrorRule& r, const Answer& a, std::string_view message,
                                                  const ClassifyContext& ctx) {
  if (!r.wait_header.empty()) {
    if (auto w = net::ParseRetryAfter(HeaderValue(a.headers, r.wait_header), ctx.now)) return *w;
  }
  if (r.wait_pattern) {
    std::string_view text = message.substr(0, kMaxMatchedBytes);
    std::match_results<std::string_view::const_iterator> m;
    if (std::regex_search(text.begin(), text.end(), m, r.wait_pattern->regex) && m.size() > 1 && m[1].matched) {
      if (auto secs = core::ParseDouble(core::Trim(std::string_view(&*m[1].first, m[1].length())))) return Clamp(*secs);
    }
  }
  if (r.wait_secs) return Clamp(static_cast<double>(*r.wait_secs));
  return std::nullopt;
}

std::string LocalTimeText(const core::TimeZone& tz, core::TimePoint t) {
  return core::FormatTimestamp(tz.UtcToLocal(core::ToEpochMicros(t))) + " " + tz.name();
}

std::string WaitText(std::chrono::milliseconds w) {
  return w.count() % 1000 == 0 ? std::to_string(w.count() / 1000) + " s" : std::to_string(w.count()) + " ms";
}

// What the operator reads: the rule, the status, the vendor's code and message.
std::string Describe(const Answer& a, const std::optional<std::string>& code, const std::string& message) {
  std::string out = "HTTP " + std::to_string(a.status);
  if (code && !code->empty()) out += ", code " + core::Excerpt(*code, 60);
  if (!message.empty()) out += ": " + core::Excerpt(message, 200);
  return out;
}

std::string Advice(ErrorKind kind, const ClassifyContext& ctx) {
  switch (kind) {
    case ErrorKind::kPermission: return ctx.auth_advice.empty() ? "" : "; " + ctx.auth_advice;
    case ErrorKind::kInvalidInput:
      return "; check the dataset's path, query and the plan's params against the API's docs";
    case ErrorKind::kTruncated: return "; the request is narrowed (split) when the dataset can split it";
    default: return "";
  }
}

}  // namespace

std::span<const OptionSpec> ErrorRuleFields() {
  static const std::vector<OptionSpec> fields = {
      {.name = "status",
       .type = OptionType::kInt,
       .description = "The HTTP status the answer must have (e.g. 429); any status when absent.",
       .range = core::OptionRange{.min = 100, .max = 599, .text = "must be an HTTP status (100 to 599)"}},
      {.name = "code_path",
       .type = OptionType::kString,
       .description = "Where the vendor's error code is in the JSON body (e.g. quandl_error.code); the rule "
                      "matches only when it is there."},
      {.name = "code_match",
       .type = OptionType::kString,
       .description = "A regular expression the code must contain a match of (e.g. ^QELx0[1-3]$)."},
      {.name = "message_path",
       .type = OptionType::kString,
       .description = "Where the vendor's error message is in the JSON body; also what wait_pattern reads."},
      {.name = "message_match",
       .type = OptionType::kString,
       .description = "A regular expression the message must contain a match of."},
      {.name = "class",
       .type = OptionType::kEnum,
       .required = true,
       .description = "What the answer means: RATE_LIMITED, QUOTA_EXHAUSTED, PERMISSION, INVALID_INPUT, "
                      "TRANSIENT, TRUNCATED, PERMANENT, or RESTART_PAGING (the vendor refuses a later page's "
                      "position, e.g. an expired cursor: the pages start again from the first, skipping the "
                      "rows already stored; on a first page, or after 5 restarts, INVALID_INPUT).",
       .allowed = ClassNames()},
      {.name = "wait_header",
       .type = OptionType::kString,
       .description = "A response header holding the wait (seconds or an HTTP date), e.g. Retry-After."},
      {.name = "wait_pattern",
       .type = OptionType::kString,
       .description = "A regular expression on the message whose first group is the wait in seconds."},
      {.name = "wait_secs",
       .type = OptionType::kInt,
       .unit = "seconds",
       .description = "The wait when neither wait_header nor wait_pattern gives one. QUOTA_EXHAUSTED without a "
                      "wait lasts until the vendor's next midnight in the source's timezone.",
       .range = core::OptionRange{.min = 0, .max = net::kMaxRetryAfter.count(), .text = "must be 0 to 86400 seconds"}},
  };
  return fields;
}

std::optional<ErrorRule> ParseErrorRule(const core::OptionRecord& record, size_t index,
                                        std::vector<std::pair<std::string, std::string>>& problems) {
  const size_t before = problems.size();
  auto o = core::RecordOptions(record, ErrorRuleFields(), "");
  if (!o) {
    std::string msg = o.error().message();
    if (!msg.empty() && msg.front() == '.') msg.erase(0, 1);
    size_t colon = msg.find(": ");
    std::string field = msg.substr(0, colon);
    if (colon != std::string::npos && core::FindOption(ErrorRuleFields(), field)) {
      problems.emplace_back(field, msg.substr(colon + 2));
    } else {
      problems.emplace_back("", msg);
    }
    return std::nullopt;
  }
  ErrorRule r;
  r.index = index;
  if (o->Has("status")) r.status = o->GetInt("status");
  r.code_path = Path(*o, "code_path", problems);
  r.code_match = Compile(*o, "code_match", problems);
  r.message_path = Path(*o, "message_path", problems);
  r.message_match = Compile(*o, "message_match", problems);
  r.wait_pattern = Compile(*o, "wait_pattern", problems);
  r.wait_header = core::ToLower(core::Trim(o->GetString("wait_header")));
  if (o->Has("wait_secs")) r.wait_secs = o->GetInt("wait_secs");
  r.restart_paging = o->GetString("class") == kRestartPagingClass;
  // A RESTART_PAGING answer that cannot restart the pages is the request's fault as far as datasync knows.
  r.kind = r.restart_paging ? ErrorKind::kInvalidInput
                            : core::ParseErrorKind(o->GetString("class")).value_or(ErrorKind::kPermanent);
  if (record.contains("code_match") && !record.contains("code_path")) {
    problems.emplace_back("code_match", "needs code_path (where the code is in the body)");
  }
  if (record.contains("message_match") && !record.contains("message_path")) {
    problems.emplace_back("message_match", "needs message_path (where the message is in the body)");
  }
  if (!r.status && !record.contains("code_path") && !record.contains("message_path")) {
    problems.emplace_back("class", "a rule needs at least one of status, code_path or message_path to match on");
  }
  if (r.wait_pattern && r.wait_pattern->regex.mark_count() < 1) {
    problems.emplace_back("wait_pattern", "needs a group around the seconds, e.g. 'retry in ([0-9]+) s'");
  }
  if (problems.size() != before) return std::nullopt;
  return r;
}

std::string_view HeaderValue(const std::vector<std::pair<std::string, std::string>>* headers, std::string_view name) {
  if (headers == nullptr) return {};
  for (const auto& [k, v] : *headers) {
    if (k == name) return v;
  }
  return {};
}

const ErrorRule* FirstMatch(const std::vector<ErrorRule>& rules, const Answer& a) {
  for (const auto& r : rules) {
    if (Matches(r, a)) return &r;
  }
  return nullptr;
}

std::optional<core::Error> Classify(const std::vector<ErrorRule>& rules, const Answer& a, const ClassifyContext& ctx) {
  const ErrorRule* rule = FirstMatch(rules, a);
  const bool ok = a.status >= 200 && a.status < 300;
  if (rule == nullptr) {
    if (ok) return std::nullopt;
    net::HttpStatusContext hc;
    hc.prefix = ctx.prefix;
    hc.now = ctx.now;
    hc.rate_limit_wait = ctx.rate_limit_wait;
    hc.auth_advice = ctx.auth_advice;
    hc.not_found_advice = "check the source's endpoint and the dataset's path";
    core::Error e = *net::ClassifyHttpStatus(a.status, HeaderValue(a.headers, "retry-after"), a.body, hc);
    if (a.status == 400 || a.status == 404 || a.status == 422) {
      core::Error invalid(ErrorKind::kInvalidInput, e.message());
      invalid.WithCode(e.code());
      invalid.retry_after = e.retry_after;
      return invalid;
    }
    return e;
  }

  std::optional<std::string> code = ValueAt(a, rule->code_path);
  std::string message;
  if (auto m = ValueAt(a, rule->message_path)) {
    message = *m;
  } else {
    message = std::string(a.body.substr(0, kMaxMatchedBytes));  // the body, for the operator and wait_pattern
  }
  core::Error e(rule->kind, "");
  std::optional<std::chrono::milliseconds> wait = RuleWait(*rule, a, message, ctx);
  std::string what =
      ctx.prefix + Describe(a, code, message) + " (error_rules[" + std::to_string(rule->index) + "]: " +
      (rule->restart_paging ? std::string(kRestartPagingClass) + ", failing as INVALID_INPUT: " +
                                  (ctx.restart_failure.empty() ? "the pages cannot restart here" : ctx.restart_failure)
                            : std::string(core::ErrorKindName(rule->kind))) +
      ")";
  switch (rule->kind) {
    case ErrorKind::kRateLimited: {
      if (!wait) wait = net::ParseRetryAfter(HeaderValue(a.headers, "retry-after"), ctx.now);
      e.retry_after = wait.value_or(std::chrono::duration_cast<std::chrono::milliseconds>(ctx.rate_limit_wait));
      what += "; cooling down " + WaitText(*e.retry_after);
      break;
    }
    case ErrorKind::kQuotaExhausted: {
      static const core::TimeZone kUtc = core::TimeZone::Utc();
      const core::TimeZone& tz = ctx.tz ? *ctx.tz : kUtc;
      core::TimePoint reset = wait ? ctx.now + *wait : tz.StartOfLocalDay(tz.LocalDay(ctx.now) + 1);
      e.reset_at = reset;
      what += "; the quota resets at " + LocalTimeText(tz, reset);
      break;
    }
    default:
      if (wait) {
        e.retry_after = wait;
        what += "; retry after " + WaitText(*wait);
      }
      break;
  }
  what += Advice(rule->kind, ctx);
  core::Error out(rule->kind, std::move(what));
  out.retry_after = e.retry_after;
  out.reset_at = e.reset_at;
  out.WithCode(code && !code->empty() ? core::Excerpt(*code, 60) : "http:" + std::to_string(a.status));
  return out;
}

}  // namespace datasync::datasource::rest
