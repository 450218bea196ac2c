// Signing in and out, and who am I (docs/web.md "Signing in").
#include <fmt/format.h>

#include "api/api_routes.hpp"

namespace datasync::api {

using ordered_json = nlohmann::ordered_json;

namespace {

ordered_json PrincipalJson(const app::Principal& p) {
  ordered_json j = {{"user", p.name}, {"role", p.role}};
  if (p.via_session) j["csrf"] = p.csrf;
  return j;
}

}  // namespace

void AddAuthRoutes(Api& api) {
  app::App& app = api.app();
  bool secure = api.tls();
  api.Add({"POST",
           "/api/v1/session",
           Access::kPublic,
           "Sign in with a token: sets the session cookie, returns the CSRF token",
           [&app, secure](ApiCall& call) {
             auto body = JsonBody(call, {"token"});
             if (!body) return;
             auto token = body->find("token");
             if (token == body->end() || !token->is_string()) {
               return SendError(call.res, 400, "token: expected a string");
             }
             auto session = app.access().SignIn(token->get<std::string>(), call.remote);
             if (!session) return SendFailure(call.res, session.error());
             if (!*session) return SendError(call.res, 401, "wrong token (revoked, or mistyped)");
             int64_t max_age = app::kSessionLifetimeUs / 1'000'000;
             // Over TLS the cookie is Secure: the browser never sends it over plain HTTP.
             call.res.set_header("Set-Cookie",
                                 fmt::format("datasync_session={}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict{}",
                                             (*session)->cookie, max_age, secure ? "; Secure" : ""));
             SendJson(call.res, 200, PrincipalJson((*session)->principal));
           },
           {},
           true});
  api.Add({"DELETE", "/api/v1/session", Access::kViewer, "Sign out: ends the session", [&app, secure](ApiCall& call) {
             if (auto s = app.access().SignOut(*call.principal, call.remote); !s)
               return SendFailure(call.res, s.error());
             call.res.set_header("Set-Cookie", std::string("datasync_session=; Path=/; Max-Age=0; HttpOnly; "
                                                           "SameSite=Strict") +
                                                   (secure ? "; Secure" : ""));
             call.res.status = 204;
           }});
  api.Add({"GET", "/api/v1/me", Access::kViewer, "Who is signed in: user, role, and the session's CSRF token",
           [](ApiCall& call) { SendJson(call.res, 200, PrincipalJson(*call.principal)); }});
}

}  // namespace datasync::api
