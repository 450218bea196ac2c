#include "api/api_routes.hpp"

#include <fmt/format.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>

#include "core/log.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"
#include "core/utf8.hpp"

namespace datasync::api {

using ordered_json = nlohmann::ordered_json;

namespace {

constexpr std::string_view kSessionCookie = "datasync_session";

// "/api/v1/runs/{id}" -> "/api/v1/runs/(\d{1,18})": the regex httplib routes by and BoundedServer admits by.
std::string PathPattern(const std::string& path) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path.compare(i, 4, "{id}") == 0) {
      out += R"((\d{1,18}))";
      i += 3;
    } else if (path.compare(i, 6, "{name}") == 0) {
      out += "([^/]{1,256})";
      i += 5;
    } else if (std::string_view(".+*?()[]^$|\\").find(path[i]) != std::string_view::npos) {
      out += '\\';
      out += path[i];
    } else {
      out += path[i];
    }
  }
  return out;
}

std::string BearerToken(const httplib::Request& req) {
  std::string h = req.get_header_value("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (h.size() <= kBearer.size()) return {};
  for (size_t i = 0; i < kBearer.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(h[i])) != std::tolower(static_cast<unsigned char>(kBearer[i])))
      return {};
  }
  return std::string(core::Trim(std::string_view(h).substr(kBearer.size())));
}

std::string SessionCookie(const httplib::Request& req) {
  std::string cookies = req.get_header_value("Cookie");
  size_t pos = 0;
  while (pos < cookies.size()) {
    size_t end = cookies.find(';', pos);
    if (end == std::string::npos) end = cookies.size();
    std::string part(core::Trim(std::string_view(cookies).substr(pos, end - pos)));
    size_t eq = part.find('=');
    if (eq != std::string::npos && part.substr(0, eq) == kSessionCookie) return part.substr(eq + 1);
    pos = end + 1;
  }
  return {};
}

bool SameSecret(const std::string& a, const std::string& b) {
  return a.size() == b.size() && !a.empty() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// How deeply the JSON text nests (brackets outside strings): a body is refused beyond kMaxJsonDepth before
// it is parsed, so no request can make a parse, copy or dump recurse without bound.
constexpr int kMaxJsonDepth = 32;
int JsonDepth(std::string_view text) {
  int depth = 0, deepest = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      deepest = std::max(deepest, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return deepest;
}

bool ChangesState(const std::string& method) {
  return method != "GET" && method != "HEAD";
}

}  // namespace

void SendJson(httplib::Response& res, int status, const ordered_json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
}

void SendError(httplib::Response& res, int status, const std::string& message) {
  SendJson(res, status, ordered_json{{"error", {{"status", status}, {"message", core::Redact(message)}}}});
}

void SendFailure(httplib::Response& res, const core::Error& error) {
  using core::ErrorKind;
  switch (error.kind()) {
    case ErrorKind::kNotFound: return SendError(res, 404, error.message());
    case ErrorKind::kConflict: return SendError(res, 409, error.message());
    case ErrorKind::kInvalidInput:
    case ErrorKind::kConfig: return SendError(res, 400, error.message());
    case ErrorKind::kTransient: return SendError(res, 503, error.message());
    default:
      core::LogError("API: " + core::Redact(error.message()));
      return SendError(res, 500, "internal error (the daemon's log has the details)");
  }
}

std::optional<int64_t> QueryInt(ApiCall& call, const char* name, int64_t min, int64_t max, int64_t fallback) {
  if (!call.req.has_param(name)) return fallback;
  std::string text = call.req.get_param_value(name);
  auto v = core::ParseInt64(text);
  if (!v || *v < min || *v > max) {
    SendError(call.res, 400, fmt::format("query parameter {}: expected an integer from {} to {}", name, min, max));
    return std::nullopt;
  }
  return *v;
}

std::optional<std::string> QueryText(ApiCall& call, const char* name, size_t max_bytes) {
  if (!call.req.has_param(name)) return std::string();
  std::string text = call.req.get_param_value(name);
  if (text.size() > max_bytes) {
    SendError(call.res, 400, fmt::format("query parameter {}: longer than {} bytes", name, max_bytes));
    return std::nullopt;
  }
  if (core::FirstInvalidUtf8(text) != std::string::npos) {
    SendError(call.res, 400, fmt::format("query parameter {}: not valid UTF-8", name));
    return std::nullopt;
  }
  return text;
}

std::optional<std::pair<size_t, size_t>> QueryPage(ApiCall& call, int64_t max_limit, int64_t default_limit) {
  auto limit = QueryInt(call, "limit", 1, max_limit, default_limit);
  if (!limit) return std::nullopt;
  auto offset = QueryInt(call, "offset", 0, int64_t{1} << 40, 0);
  if (!offset) return std::nullopt;
  return std::make_pair(static_cast<size_t>(*limit), static_cast<size_t>(*offset));
}

int64_t PathId(const ApiCall& call) {
  auto v = core::ParseInt64(call.req.matches[1].str());
  return v ? *v : 0;
}

std::string PathName(const ApiCall& call) {
  return call.req.matches[1].str();  // httplib decoded the path already
}

std::optional<nlohmann::json> JsonBody(ApiCall& call, const std::vector<std::string>& allowed) {
  std::string type = call.req.get_header_value("Content-Type");
  if (type.rfind("application/json", 0) != 0) {
    SendError(call.res, 415, "send the body as JSON (Content-Type: application/json)");
    return std::nullopt;
  }
  if (JsonDepth(call.req.body) > kMaxJsonDepth) {
    SendError(call.res, 400, "the body nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    return std::nullopt;
  }
  nlohmann::json body = nlohmann::json::parse(call.req.body, nullptr, false);
  if (body.is_discarded()) {
    SendError(call.res, 400, "the body is not valid JSON (or not UTF-8)");
    return std::nullopt;
  }
  if (!body.is_object()) {
    SendError(call.res, 400, "the body must be a JSON object");
    return std::nullopt;
  }
  for (const auto& [key, _] : body.items()) {
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      SendError(call.res, 400, "unknown key '" + key.substr(0, 64) + "' (allowed: " + core::Join(allowed, ", ") + ")");
      return std::nullopt;
    }
  }
  return body;
}

void Api::Add(RouteSpec spec) {
  routes_.push_back(std::move(spec));
}

void Api::Install(BoundedServer& server) {
  for (const auto& spec : routes_) {
    const RouteSpec* s = &spec;
    server.Route(spec.method, PathPattern(spec.path),
                 [this, s](const httplib::Request& req, httplib::Response& res) { Serve(*s, req, res); });
  }
}

void Api::Serve(const RouteSpec& spec, const httplib::Request& req, httplib::Response& res) {
  res.set_header("Cache-Control", "no-store");
  ApiCall call{req, res, std::nullopt, req.remote_addr};
  try {
    if (spec.access != Access::kPublic) {
      auto& access = app_.access();
      std::string bearer = BearerToken(req);
      core::Result<std::optional<app::Principal>> who = std::optional<app::Principal>();
      if (!bearer.empty()) {
        who = access.Authenticate(bearer);
      } else if (std::string cookie = SessionCookie(req); !cookie.empty()) {
        who = access.SessionOf(cookie);
      }
      if (!who) return SendFailure(res, who.error());
      if (!*who) {
        res.set_header("WWW-Authenticate", "Bearer realm=\"datasync\"");
        return SendError(res, 401,
                         bearer.empty() ? "sign in first: send Authorization: Bearer TOKEN, or sign in on the web app"
                                        : "the token is not valid (revoked, or mistyped)");
      }
      if ((*who)->via_session && ChangesState(req.method) &&
          !SameSecret(req.get_header_value("X-CSRF-Token"), (*who)->csrf)) {
        return SendError(res, 403, "missing or wrong X-CSRF-Token for this session (reload the page)");
      }
      if (spec.access == Access::kOperator && !(*who)->operator_role()) {
        return SendError(res, 403, "this needs the operator role; '" + (*who)->name + "' is a " + (*who)->role);
      }
      call.principal = std::move(**who);
    }
    spec.handler(call);
  } catch (const std::exception& e) {
    core::LogError(fmt::format("API {} {}: {}", req.method, spec.path, core::Redact(e.what())));
    SendError(res, 500, "internal error (the daemon's log has the details)");
  }
}

ordered_json Api::OpenApi() const {
  ordered_json paths = ordered_json::object();
  for (const auto& spec : routes_) {
    ordered_json op = {{"summary", spec.summary},
                       {"x-datasync-role", spec.access == Access::kPublic   ? "none"
                                           : spec.access == Access::kViewer ? "viewer"
                                                                            : "operator"}};
    ordered_json params = ordered_json::array();
    if (spec.path.find("{id}") != std::string::npos) {
      params.push_back({{"name", "id"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "integer"}}}});
    }
    if (spec.path.find("{name}") != std::string::npos) {
      params.push_back({{"name", "name"}, {"in", "path"}, {"required", true}, {"schema", {{"type", "string"}}}});
    }
    for (const auto& q : spec.query) {
      bool numeric = q == "limit" || q == "offset" || q.ends_with("_us");
      params.push_back(
          {{"name", q}, {"in", "query"}, {"required", false}, {"schema", {{"type", numeric ? "integer" : "string"}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    if (spec.body) {
      op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", {{"type", "object"}}}}}}}};
    }
    if (spec.access == Access::kPublic) {
      op["security"] = ordered_json::array();
    } else {
      op["security"] = ordered_json::array({{{"bearer", ordered_json::array()}}, {{"session", ordered_json::array()}}});
    }
    ordered_json responses = {{"200", {{"description", "OK"}}}};
    if (spec.access != Access::kPublic) responses["401"] = {{"description", "no or unknown credentials"}};
    if (spec.access == Access::kOperator || spec.method != "GET") {
      responses["403"] = {{"description", "role or CSRF refusal"}};
    }
    op["responses"] = responses;
    std::string method = spec.method;
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::tolower(c); });
    paths[spec.path][method] = op;
  }
  return {{"openapi", "3.0.3"},
          {"info", {{"title", "datasync"}, {"version", "1"}, {"description", "docs/web.md"}}},
          {"paths", paths},
          {"components",
           {{"securitySchemes",
             {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}},
              {"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", std::string(kSessionCookie)}}}}}}}};
}

}  // namespace datasync::api
