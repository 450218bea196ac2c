// Api: the REST API's route table (docs/web.md). Each route is declared once, with its method, path
// template, who may call it and a summary; the same table registers the handlers on the server, wraps
// them in authentication, role and CSRF checks, and writes the OpenAPI document, so the document cannot
// drift from the routes. Internal to api/ (it includes httplib.h).
//
// Who may call a route (Access):
//   kPublic    no credentials (signing in, the OpenAPI document);
//   kViewer    any signed-in principal: an `Authorization: Bearer` token or a session cookie;
//   kOperator  the operator role.
// A request with a session cookie that changes state (POST, PUT, PATCH, DELETE) must carry the session's
// CSRF token in X-CSRF-Token. Refusals: 401 (no or unknown credentials), 403 (role, CSRF).
//
// Lifecycle: Add routes, then Install once before the server listens. Thread-safety: handlers run on the
// server's threads at once; the table is read-only after Install.
#pragma once

#include <httplib.h>

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "api/bounded_server.hpp"
#include "app/access_service.hpp"
#include "app/app.hpp"
#include "app/daemon.hpp"
#include "core/error.hpp"

namespace datasync::api {

enum class Access { kPublic, kViewer, kOperator };

// One request as a handler sees it.
struct ApiCall {
  const httplib::Request& req;
  httplib::Response& res;
  std::optional<app::Principal> principal;  // set for kViewer and kOperator routes
  std::string remote;                       // the client's address
  app::Actor actor() const { return principal ? app::Actor::Of(*principal, remote) : app::Actor{"", "", remote}; }
};

using ApiHandler = std::function<void(ApiCall&)>;

struct RouteSpec {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string path;    // "/api/v1/runs/{id}": {id} is a positive integer, {name} a path segment
  Access access = Access::kViewer;
  std::string summary;  // one line, for the OpenAPI document
  ApiHandler handler;
  std::vector<std::string> query;  // query parameters it reads, for the OpenAPI document
  bool body = false;               // takes a JSON object body
};

class Api {
 public:
  Api(app::App& app, app::Daemon& daemon, bool tls = false) : app_(app), daemon_(daemon), tls_(tls) {}

  void Add(RouteSpec spec);
  void Install(BoundedServer& server);
  nlohmann::ordered_json OpenApi() const;

  app::App& app() { return app_; }
  app::Daemon& daemon() { return daemon_; }
  bool tls() const { return tls_; }  // served over HTTPS (the session cookie is Secure)

 private:
  void Serve(const RouteSpec& spec, const httplib::Request& req, httplib::Response& res);

  app::App& app_;
  app::Daemon& daemon_;
  bool tls_;
  std::vector<RouteSpec> routes_;
};

// The route groups, one file each.
void AddAuthRoutes(Api& api);     // auth_routes.cpp: session, me
void AddRunRoutes(Api& api);      // run_routes.cpp: overview, plans, runs, tasks, run control
void AddCatalogRoutes(Api& api);  // catalog_routes.cpp: datasets, audit
void AddManageRoutes(Api& api);   // manage_routes.cpp: objects, forms, template test
void AddEventRoutes(Api& api, const std::atomic<bool>& stopping);  // event_stream.cpp: /api/v1/events

// Answers.
void SendJson(httplib::Response& res, int status, const nlohmann::ordered_json& body);
void SendError(httplib::Response& res, int status, const std::string& message);
// The status of a service's error kind: kNotFound 404, kConflict 409, kInvalidInput/kConfig 400,
// kTransient 503, else 500 (whose message is logged, and answered without detail).
void SendFailure(httplib::Response& res, const core::Error& error);

// Query parameters: nullopt after answering 400 for a malformed one.
std::optional<int64_t> QueryInt(ApiCall& call, const char* name, int64_t min, int64_t max, int64_t fallback);
std::optional<std::string> QueryText(ApiCall& call, const char* name, size_t max_bytes);
// ?limit= (1..max_limit, default_limit when absent) and ?offset=, as a page's limit and offset; nullopt
// after answering 400.
std::optional<std::pair<size_t, size_t>> QueryPage(ApiCall& call, int64_t max_limit, int64_t default_limit);
// ?NAME= as one of a set of names (`parse`; `allowed` lists them for the message): the value, nullopt when
// absent or empty; false after answering 400.
template <class T, class Parse>
bool QueryEnum(ApiCall& call, const char* name, Parse parse, const char* allowed, std::optional<T>& out) {
  auto text = QueryText(call, name, 64);
  if (!text) return false;
  if (text->empty()) return true;
  out = parse(*text);
  if (out) return true;
  SendError(call.res, 400, std::string(name) + ": '" + *text + "' is not one of " + allowed);
  return false;
}
// The {id} of the path (the first capture), as a positive integer.
int64_t PathId(const ApiCall& call);
std::string PathName(const ApiCall& call);
// The request's JSON object body, with only `allowed` keys; nullopt after answering 400.
std::optional<nlohmann::json> JsonBody(ApiCall& call, const std::vector<std::string>& allowed);

}  // namespace datasync::api
