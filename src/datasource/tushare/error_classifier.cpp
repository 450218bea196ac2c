#include "datasource/tushare/error_classifier.hpp"

#include <cctype>

#include "core/dates.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "net/http_status.hpp"

namespace datasync::datasource::tushare {

namespace {

using core::ErrorKind;

constexpr int64_t kMicrosPerHour = int64_t{3600} * 1000000;

// Reads the decimal number at `pos` (after optional spaces); 0 when there is none.
int64_t NumberAt(std::string_view s, size_t pos, size_t* end = nullptr) {
  while (pos < s.size() && s[pos] == ' ') ++pos;
  int64_t v = 0;
  size_t start = pos;
  while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9' && pos - start < 12) v = v * 10 + (s[pos++] - '0');
  if (end) *end = pos;
  return pos == start ? 0 : v;
}

// Skips "(" or the full-width "（" at `pos`.
size_t SkipOpenParen(std::string_view s, size_t pos) {
  if (s.substr(pos).starts_with("(")) return pos + 1;
  if (s.substr(pos).starts_with("（")) return pos + std::string_view("（").size();
  return pos;
}

std::string Prefix(const ErrorContext& ctx) {
  return "tushare " + std::string(ctx.api) + ": ";
}

// The vendor's own words, quoted in every message so operators can search for them.
std::string Quote(int64_t code, std::string_view msg) {
  return "(vendor code " + std::to_string(code) + ": " + Excerpt(msg, 300) + ")";
}

std::string LocalTimeText(const core::TimeZone& tz, core::TimePoint t) {
  return core::FormatTimestamp(tz.UtcToLocal(core::ToEpochMicros(t))) + " " + tz.name();
}

std::string TokenAdvice(const ErrorContext& ctx) {
  std::string where = "sources." + std::string(ctx.source_name) + ".token";
  if (core::IsSecretReference(ctx.token_ref)) {
    std::string var(ctx.token_ref.substr(2, ctx.token_ref.size() - 3));
    return "check that the environment variable " + var + " (" + where + ") holds your current Tushare Pro token";
  }
  return "check the token configured in " + where + " (better: reference an environment variable, ${TUSHARE_TOKEN})";
}

const core::TimeZone& ZoneOr(const ErrorContext& ctx, const core::TimeZone& fallback) {
  return ctx.tz ? *ctx.tz : fallback;
}

}  // namespace

LimitMessage ParseLimitMessage(std::string_view msg) {
  LimitMessage out;
  struct Marker {
    std::string_view text;
    LimitMessage::Kind kind;
  };
  static constexpr Marker kMarkers[] = {
      {"每分钟最多访问该接口", LimitMessage::Kind::kPerMinute},
      {"每小时最多访问该接口", LimitMessage::Kind::kPerHour},
      {"每天最多访问该接口", LimitMessage::Kind::kPerDay},
      {"每日最多访问该接口", LimitMessage::Kind::kPerDay},
  };
  for (const auto& m : kMarkers) {
    if (size_t p = msg.find(m.text); p != std::string_view::npos) {
      out.kind = m.kind;
      out.limit = NumberAt(msg, p + m.text.size());
      return out;
    }
  }
  // "抱歉，您访问接口(daily)频率超限(400次/分钟)，…": the window is the unit after "次/".
  if (size_t p = msg.find("频率超限"); p != std::string_view::npos) {
    size_t end = 0;
    out.limit = NumberAt(msg, SkipOpenParen(msg, p + std::string_view("频率超限").size()), &end);
    std::string_view rest = msg.substr(end);
    if (rest.starts_with("次/小时") || rest.starts_with("次每小时")) {
      out.kind = LimitMessage::Kind::kPerHour;
    } else if (rest.starts_with("次/天") || rest.starts_with("次/日")) {
      out.kind = LimitMessage::Kind::kPerDay;
    } else {
      out.kind = LimitMessage::Kind::kPerMinute;
    }
    return out;
  }
  if (size_t p = msg.find("没有接口"); p != std::string_view::npos && msg.find("权限") != std::string_view::npos) {
    out.kind = LimitMessage::Kind::kNoPermission;
    size_t b = SkipOpenParen(msg, p + std::string_view("没有接口").size());
    size_t e = b;
    while (e < msg.size() && (std::isalnum(static_cast<unsigned char>(msg[e])) || msg[e] == '_')) ++e;
    out.api = std::string(msg.substr(b, e - b));
    return out;
  }
  return out;
}

core::Error ClassifyBusinessError(int64_t code, std::string_view msg, const ErrorContext& ctx) {
  const core::TimeZone utc = core::TimeZone::Utc();
  const core::TimeZone& tz = ZoneOr(ctx, utc);
  const std::string prefix = Prefix(ctx);
  const std::string quoted = Quote(code, msg);
  auto make = [&](ErrorKind kind, std::string text) {
    core::Error e(kind, core::Redact(prefix + text));
    e.WithCode(std::to_string(code));
    return e;
  };

  if (code == 40101) {
    return make(ErrorKind::kPermission, "the vendor rejected the token " + quoted + "; " + TokenAdvice(ctx));
  }

  LimitMessage limit = ParseLimitMessage(msg);
  std::string n_text = limit.limit == 1  ? std::string("1 call")
                       : limit.limit > 0 ? std::to_string(limit.limit) + " calls"
                                         : std::string("its limit of calls");
  switch (limit.kind) {
    case LimitMessage::Kind::kPerMinute: {
      core::Error e =
          make(ErrorKind::kRateLimited, "per-minute limit reached (" + n_text + " per minute) " + quoted +
                                            "; cooling down for " + std::to_string(ctx.minute_wait.count()) + " s");
      e.retry_after = ctx.minute_wait;
      if (limit.limit > 0) e.learned_limit = core::LearnedLimit{core::QuotaWindow::kMinute, limit.limit};
      return e;
    }
    case LimitMessage::Kind::kPerHour: {
      core::TimePoint reset = NextLocalHour(tz, ctx.now);
      core::Error e = make(ErrorKind::kQuotaExhausted, "hourly quota spent (" + n_text + " per hour) " + quoted +
                                                           "; the vendor resets it at " + LocalTimeText(tz, reset));
      e.reset_at = reset;
      if (limit.limit > 0) e.learned_limit = core::LearnedLimit{core::QuotaWindow::kHour, limit.limit};
      return e;
    }
    case LimitMessage::Kind::kPerDay: {
      core::TimePoint reset = NextLocalMidnight(tz, ctx.now);
      core::Error e = make(ErrorKind::kQuotaExhausted, "daily quota spent (" + n_text + " per day) " + quoted +
                                                           "; the vendor resets it at " + LocalTimeText(tz, reset));
      e.reset_at = reset;
      if (limit.limit > 0) e.learned_limit = core::LearnedLimit{core::QuotaWindow::kDay, limit.limit};
      return e;
    }
    case LimitMessage::Kind::kNoPermission:
      return make(ErrorKind::kPermission,
                  "this account may not call API " + (limit.api.empty() ? std::string(ctx.api) : limit.api) + " " +
                      quoted +
                      "; access depends on the account's points tier (https://tushare.pro/document/1?doc_id=108): "
                      "upgrade the account or remove the plans that use this API");
    case LimitMessage::Kind::kNone: break;
  }

  switch (code) {
    case -2001:
      return make(ErrorKind::kInvalidInput, "the vendor rejected the request's params or fields " + quoted +
                                                "; check the plan's params and the dataset's fields against " +
                                                "the API's documentation");
    case -1000: return make(ErrorKind::kTransient, "the vendor reported an internal error " + quoted);
    default: return make(ErrorKind::kPermanent, "unexpected vendor error " + quoted);
  }
}

std::optional<core::Error> ClassifyHttpStatus(long status, std::string_view retry_after, std::string_view body,
                                              const ErrorContext& ctx) {
  net::HttpStatusContext http;
  http.prefix = Prefix(ctx);
  http.now = ctx.now;
  http.rate_limit_wait = ctx.minute_wait;
  http.auth_advice = TokenAdvice(ctx);
  http.not_found_advice = "check the endpoint and the url_style option";
  return net::ClassifyHttpStatus(status, retry_after, body, http);
}

core::TimePoint NextLocalHour(const core::TimeZone& tz, core::TimePoint now) {
  int64_t local = tz.UtcToLocal(core::ToEpochMicros(now));
  int64_t hour = local >= 0 ? local / kMicrosPerHour : (local - kMicrosPerHour + 1) / kMicrosPerHour;
  return core::FromEpochMicros(tz.LocalToUtc((hour + 1) * kMicrosPerHour));
}

core::TimePoint NextLocalMidnight(const core::TimeZone& tz, core::TimePoint now) {
  return tz.StartOfLocalDay(tz.LocalDay(now) + 1);
}

}  // namespace datasync::datasource::tushare
