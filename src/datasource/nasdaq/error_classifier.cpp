#include "datasource/nasdaq/error_classifier.hpp"

#include "core/dates.hpp"
#include "core/excerpt.hpp"
#include "core/secrets.hpp"
#include "datasource/nasdaq/request_builder.hpp"
#include "net/http_status.hpp"

namespace datasync::datasource::nasdaq {

namespace {

using core::ErrorKind;

std::string Prefix(const ErrorContext& ctx) {
  return "nasdaq_data_link " + std::string(ctx.api) + ": ";
}

std::string KeyAdvice(const ErrorContext& ctx) {
  std::string where = "sources." + std::string(ctx.source_name) + ".api_key";
  if (ctx.key_ref.empty()) {
    return "the source calls without an API key (anonymous limits, free data only): set " + where +
           " to ${NDL_API_KEY} and export NDL_API_KEY with your key from https://data.nasdaq.com/account/profile";
  }
  if (core::IsSecretReference(ctx.key_ref)) {
    return "check that " + std::string(ctx.key_ref) + " (" + where + ") holds your current Nasdaq Data Link API key";
  }
  return "check the API key configured in " + where + " (better: reference an environment variable, ${NDL_API_KEY})";
}

std::string LocalTimeText(const core::TimeZone& tz, core::TimePoint t) {
  return core::FormatTimestamp(tz.UtcToLocal(core::ToEpochMicros(t))) + " " + tz.name();
}

}  // namespace

std::optional<VendorCode> ParseVendorCode(std::string_view code) {
  // "QE" letter "x" digits
  if (code.size() < 5 || code[0] != 'Q' || code[1] != 'E' || (code[3] != 'x' && code[3] != 'X')) return std::nullopt;
  char letter = code[2];
  if (letter >= 'a' && letter <= 'z') letter = static_cast<char>(letter - 'a' + 'A');
  if (letter < 'A' || letter > 'Z') return std::nullopt;
  int n = 0;
  for (size_t i = 4; i < code.size(); ++i) {
    if (code[i] < '0' || code[i] > '9' || i > 8) return std::nullopt;
    n = n * 10 + (code[i] - '0');
  }
  return VendorCode{letter, n};
}

core::Error ClassifyVendorError(long status, std::string_view retry_after, std::string_view code,
                                std::string_view message, const ErrorContext& ctx) {
  const core::TimeZone utc = core::TimeZone::Utc();
  const core::TimeZone& tz = ctx.tz ? *ctx.tz : utc;
  const std::string quoted = "(vendor code " + core::Excerpt(code, 16) + ", HTTP " + std::to_string(status) + ": " +
                             core::Excerpt(message, 300) + ")";
  auto make = [&](ErrorKind kind, std::string text) {
    core::Error e(kind, RedactApiKey(core::Redact(Prefix(ctx) + text)));
    e.WithCode(std::string(code.substr(0, 16)));
    return e;
  };
  auto cool = [&](std::chrono::milliseconds fallback) {
    return net::ParseRetryAfter(retry_after, ctx.now).value_or(fallback);
  };

  std::optional<VendorCode> vc = ParseVendorCode(code);
  if (!vc) {
    if (auto bare = ClassifyBareStatus(status, retry_after, message, ctx)) return *bare;
    return make(ErrorKind::kPermanent, "unexpected vendor error " + quoted);
  }
  switch (vc->letter) {
    case 'L':
      if (vc->number >= 1 && vc->number <= 3) {
        core::TimePoint reset = NextVendorDay(tz, ctx.now);
        core::Error e =
            make(ErrorKind::kQuotaExhausted, "daily limit reached " + quoted + "; the vendor's day resets at " +
                                                 LocalTimeText(tz, reset) + " (not retried before then)");
        e.reset_at = reset;
        return e;
      }
      if (vc->number >= 6 && vc->number <= 8) {
        if (ctx.can_split) {
          return make(ErrorKind::kTruncated, "the vendor refused the request as too large " + quoted +
                                                 "; narrowing it (halving its date window or ticker list)");
        }
        return make(ErrorKind::kPermanent,
                    "the vendor refused the request as too large " + quoted +
                        " and it cannot be narrowed further (one day, one key, or a page in the middle of a cursor "
                        "chain); ask for fewer columns or a narrower filter in the plan's params");
      }
      {
        auto wait = cool(ctx.rate_limit_wait);
        core::Error e = make(ErrorKind::kRateLimited, "rate limit reached " + quoted + "; cooling down for " +
                                                          std::to_string(wait.count() / 1000) + " s");
        e.retry_after = wait;
        return e;
      }
    case 'A':
      if (vc->number == 7) {
        auto wait = cool(kTryAgainWait);
        core::Error e = make(ErrorKind::kRateLimited, "the vendor asks to try again later " + quoted + "; waiting " +
                                                          std::to_string(wait.count() / 1000) + " s");
        e.retry_after = wait;
        return e;
      }
      return make(ErrorKind::kPermission, "the vendor rejected the credentials " + quoted + "; " + KeyAdvice(ctx));
    case 'P':
      return make(ErrorKind::kPermission,
                  "this key may not read " + std::string(ctx.api) + " " + quoted +
                      "; premium tables need a subscription (https://data.nasdaq.com/account/subscriptions): "
                      "subscribe or remove the plans that use this dataset");
    case 'S':
      return make(ErrorKind::kInvalidInput,
                  "the vendor rejected the request's params " + quoted +
                      "; check the plan's params against the dataset's filterable columns (datasync dataset show)");
    case 'C':
      return make(ErrorKind::kInvalidInput,
                  "the vendor has no such data " + quoted + "; check the dataset's api and the task's code or filters");
    case 'M':
    case 'X': return make(ErrorKind::kTransient, "the vendor reported a server error " + quoted);
    default: break;
  }
  if (auto bare = ClassifyBareStatus(status, retry_after, message, ctx)) {
    core::Error e = make(bare->kind(), "unexpected vendor error " + quoted);
    e.retry_after = bare->retry_after;
    return e;
  }
  return make(ErrorKind::kPermanent, "unexpected vendor error " + quoted);
}

std::optional<core::Error> ClassifyBareStatus(long status, std::string_view retry_after, std::string_view body,
                                              const ErrorContext& ctx) {
  if (status == 200) return std::nullopt;
  if (status == 202) {
    auto wait = net::ParseRetryAfter(retry_after, ctx.now).value_or(kTryAgainWait);
    core::Error e(ErrorKind::kRateLimited, Prefix(ctx) +
                                               "HTTP 202 without data: the vendor asks to try again later "
                                               "(QEAx07); waiting " +
                                               std::to_string(wait.count() / 1000) + " s");
    e.WithCode("http:202");
    e.retry_after = wait;
    return e;
  }
  net::HttpStatusContext http;
  http.prefix = Prefix(ctx);
  http.now = ctx.now;
  http.rate_limit_wait = ctx.rate_limit_wait;
  http.auth_advice = KeyAdvice(ctx);
  http.not_found_advice = "check the endpoint and the dataset's api (datatables/PUBLISHER/TABLE or datasets/DATABASE)";
  auto e = net::ClassifyHttpStatus(status, retry_after, RedactApiKey(body), http);
  if (!e) return e;
  core::Error out(e->kind(), RedactApiKey(e->message()));  // a URL quoted by a proxy's page keeps no key
  out.WithCode(e->code());
  out.retry_after = e->retry_after;
  return out;
}

core::TimePoint NextVendorDay(const core::TimeZone& tz, core::TimePoint now) {
  return tz.StartOfLocalDay(tz.LocalDay(now) + 1);
}

}  // namespace datasync::datasource::nasdaq
