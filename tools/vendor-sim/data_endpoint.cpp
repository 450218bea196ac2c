// The Tushare data API: request parsing, the token/permission/limit checks, the test's call gate, the load
// model's delay, fault injection, and the hand-off to DataApis for the body.
#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "bad_values.hpp"
#include "comma_list.hpp"
#include "routes.hpp"
#include "sim_random.hpp"
#include "sim_state.hpp"

namespace datasync::vendorsim {
namespace {

constexpr int kCodeAuth = 40101;
constexpr int kCodeLimited = 40203;
constexpr int kCodeUnknownApi = -1;
constexpr int kCodeInternal = -1000;
constexpr std::string_view kBadToken = "您的token不对，请确认。";
constexpr std::string_view kUnknownApi = "请指定正确的接口名";
constexpr std::string_view kInternalError = "系统内部错误";
constexpr std::string_view kDocLink = "，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。";
// Never compressed by httplib (it only compresses an exact "application/json").
constexpr const char* kJsonType = "application/json; charset=utf-8";
constexpr const char* kCompressibleJsonType = "application/json";

std::string RateLimitMessage(Rejection rejection, int64_t limit, std::string_view api, RateLimitStyle style) {
  const std::string n = std::to_string(limit);
  switch (rejection) {
    case Rejection::kDay: return "抱歉，您每天最多访问该接口" + n + "次" + std::string(kDocLink);
    case Rejection::kHour: return "抱歉，您每小时最多访问该接口" + n + "次" + std::string(kDocLink);
    default:
      if (style == RateLimitStyle::kNew) {
        return "抱歉，您访问接口(" + std::string(api) + ")频率超限(" + n + "次/分钟)" + std::string(kDocLink);
      }
      return "抱歉，您每分钟最多访问该接口" + n + "次" + std::string(kDocLink);
  }
}

std::string PermissionMessage(std::string_view api) {
  return "抱歉，您没有接口(" + std::string(api) + ")访问权限" + std::string(kDocLink);
}

// --echo-token: what a careless vendor appends to its error messages, so that a test can prove a client
// never shows or logs a vendor message without redacting the token in it.
std::string TokenEcho(const RuntimeConfig& config, std::string_view token) {
  return config.echo_token ? "（token: " + std::string(token) + "）" : std::string();
}

// What a gateway (nginx) in front of the API answers when the backend is down or slow.
void WriteGatewayError(httplib::Response& res, int status) {
  const char* title = status == 502   ? "502 Bad Gateway"
                      : status == 503 ? "503 Service Temporarily Unavailable"
                                      : "504 Gateway Time-out";
  res.status = status;
  res.set_content(std::string("<html>\r\n<head><title>") + title + "</title></head>\r\n<body>\r\n<center><h1>" + title +
                      "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n",
                  "text/html");
}

std::string RequestId(uint64_t seed, uint64_t seq) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(32, '0');
  const uint64_t parts[2] = {Hash3(seed, seq, 0x1d), Hash3(seed, seq, 0x2d)};
  for (int p = 0; p < 2; ++p) {
    for (int i = 0; i < 16; ++i) id[static_cast<size_t>(p * 16 + i)] = kHex[(parts[p] >> (60 - 4 * i)) & 0xF];
  }
  return id;
}

bool ParseRequestBody(const std::string& body, const std::string& path_api, ApiRequest& out, std::string& token,
                      std::string& error) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = "请求体不是合法的JSON对象";
    return false;
  }
  if (!path_api.empty()) {
    out.api_name = path_api;
  } else if (const auto it = doc.find("api_name"); it != doc.end() && it->is_string()) {
    out.api_name = it->get<std::string>();
  }
  if (const auto it = doc.find("token"); it != doc.end() && it->is_string()) token = it->get<std::string>();
  if (const auto it = doc.find("params"); it != doc.end() && !it->is_null()) {
    if (!it->is_object()) {
      error = "参数params的值无效：" + it->dump() + "，应为JSON对象";
      return false;
    }
    for (const auto& [name, value] : it->items()) {
      if (value.is_null()) continue;
      if (value.is_string()) {
        std::string text = value.get<std::string>();
        if (!text.empty()) out.params.emplace(name, ParamValue{std::move(text), true});
      } else if (value.is_number()) {
        out.params.emplace(name, ParamValue{value.dump(), true});
      } else {
        out.params.emplace(name, ParamValue{value.dump(), false});
      }
    }
  }
  if (const auto it = doc.find("fields"); it != doc.end() && !it->is_null()) {
    const auto bad_fields = [&] {
      error = "参数fields的值无效：" + it->dump() + "，应为逗号分隔的字符串或字符串列表";
      return false;
    };
    if (it->is_string()) {
      for (std::string_view f : SplitCommaList(it->get_ref<const std::string&>())) out.fields.emplace_back(f);
    } else if (it->is_array()) {
      for (const auto& f : *it) {
        if (!f.is_string()) return bad_fields();
        out.fields.push_back(f.get<std::string>());
      }
    } else {
      return bad_fields();
    }
  }
  return true;
}

void RespondJson(httplib::Response& res, std::string body, bool compressible) {
  res.status = 200;
  res.body = std::move(body);
  res.set_header("Content-Type", compressible ? kCompressibleJsonType : kJsonType);
}

void HandleDataCall(SimState& state, const httplib::Request& req, httplib::Response& res, const std::string& path_api) {
  const CallGate::InFlight in_flight(state.gate());
  std::shared_ptr<const RuntimeConfig> config = state.Config();
  const std::string request_id = RequestId(state.startup().seed, state.NextRequest());
  ApiRequest request;
  std::string token;
  std::string error;
  std::string body;
  const auto fail = [&](int code, std::string_view msg) {
    WriteErrorBody(body, config->json_style, request_id, code, std::string(msg) + TokenEcho(*config, token));
    RespondJson(res, std::move(body), config->gzip);
  };

  if (!ParseRequestBody(req.body, path_api, request, token, error)) {
    state.ledger().Count(GlobalEvent::kBadRequest);
    return fail(kCodeInvalidArgument, error);
  }
  if (config->tokens.count(token) == 0) {
    state.ledger().Count(GlobalEvent::kAuthFailed);
    return fail(kCodeAuth, kBadToken);
  }
  const std::string& api = request.api_name;
  if (!DataApis::Knows(api)) {
    state.ledger().Count(GlobalEvent::kUnknownApi);
    return fail(kCodeUnknownApi, kUnknownApi);
  }
  if (config->no_permission.count(api) != 0) {
    state.ledger().CountPermissionDenied(token, api);
    return fail(kCodeLimited, PermissionMessage(api));
  }
  int64_t now_ms = state.clock().NowMs();
  const Admission admission = state.ledger().Admit(token, api, config->LimitsFor(api), now_ms);
  if (admission.rejection != Rejection::kNone) {
    return fail(kCodeLimited, RateLimitMessage(admission.rejection, admission.limit, api, config->rate_limit_style));
  }

  // An accepted call: it counts against the limits whatever happens next, and it is in flight for the load
  // model, whose delay is fixed now. The test's gate may hold it; a held call then meets the config
  // (faults, style) and the clock in force when it is released.
  const ServerLoad::Call load(state.load(), config->load);
  if (state.gate().Pass()) {
    config = state.Config();
    now_ms = state.clock().NowMs();
  }
  const FaultConfig& faults = config->faults;
  const uint64_t n = state.NextAccepted();
  if (Unit3(faults.seed, n, 1) < faults.slow) {
    state.ledger().CountSlow(token, api);
    std::this_thread::sleep_for(std::chrono::milliseconds(faults.slow_ms));
  }
  if (load.delay().count() > 0) std::this_thread::sleep_for(load.delay());
  if (Unit3(faults.seed, n, 2) < faults.fail_5xx) {
    state.ledger().CountFault(token, api, InjectedFault::k5xx);
    static constexpr int kStatuses[] = {502, 503, 504};
    return WriteGatewayError(res, kStatuses[Hash3(faults.seed, n, 5) % 3]);
  }
  if (Unit3(faults.seed, n, 3) < faults.internal_error) {
    state.ledger().CountFault(token, api, InjectedFault::kInternal);
    return fail(kCodeInternal, kInternalError);
  }
  ServeOptions options;
  options.style = config->json_style;
  options.row_cap = config->row_cap;
  options.published_through_day = state.PublishedThrough(now_ms);
  options.request_id = request_id;
  options.schema_change = config->schema_change;
  options.data_modes = &config->data_modes;
  options.now_ms = now_ms;
  const std::string echo = TokenEcho(*config, token);
  options.error_suffix = echo;
  body.reserve(16 * 1024);
  if (state.apis().Serve(request, options, body) != kCodeOk) state.ledger().CountInvalidArgument(token, api);
  SpoilValues(body, *config);

  if (Unit3(faults.seed, n, 4) < faults.truncate) {
    state.ledger().CountFault(token, api, InjectedFault::kTruncate);
    const size_t half = body.size() / 2;
    if (faults.truncate_mode == TruncateMode::kShort) {
      body.resize(half);
      return RespondJson(res, std::move(body), false);
    }
    // Announce the full length, send half, then drop the connection (the provider fails).
    auto shared = std::make_shared<std::string>(std::move(body));
    res.status = 200;
    res.set_content_provider(shared->size(), kJsonType, [shared, half](size_t offset, size_t, httplib::DataSink& sink) {
      if (offset < half) sink.write(shared->data() + offset, half - offset);
      return false;
    });
    return;
  }
  RespondJson(res, std::move(body), config->gzip);
}

}  // namespace

void RegisterDataRoutes(httplib::Server& server, SimState& state) {
  static const std::string kNoPathApi;
  server.Post("/", [&state](const httplib::Request& req, httplib::Response& res) {
    HandleDataCall(state, req, res, kNoPathApi);
  });
  server.Post("/dataapi", [&state](const httplib::Request& req, httplib::Response& res) {
    HandleDataCall(state, req, res, kNoPathApi);
  });
  server.Post(R"(/dataapi/([^/]+))", [&state](const httplib::Request& req, httplib::Response& res) {
    HandleDataCall(state, req, res, req.matches[1].str());
  });
  // The real service answers other methods in-band with this message (reported in waditu/tushare#1296).
  const auto method_not_allowed = [&state](const httplib::Request&, httplib::Response& res) {
    const CallGate::InFlight in_flight(state.gate());
    const std::shared_ptr<const RuntimeConfig> config = state.Config();
    std::string body;
    WriteErrorBody(body, config->json_style, RequestId(state.startup().seed, state.NextRequest()), kCodeUnknownApi,
                   "抱歉, 不合法的请求，(HTTP 405: Method Not Allowed)！");
    RespondJson(res, std::move(body), false);
    res.status = 405;
  };
  server.Get("/", method_not_allowed);
  server.Get(R"(/dataapi(/[^/]*)?)", method_not_allowed);
}

}  // namespace datasync::vendorsim
