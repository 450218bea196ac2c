// What every admin API of the simulator shares (/_sim/, /_sim/ndl/, /_sim/binance/): loopback peers only,
// JSON bodies in, {"ok":false,"error":…} out. Header-only: the handlers are templates over the route's lambda.
#pragma once

#include <httplib.h>

#include <nlohmann/json.hpp>

#include <string>

namespace datasync::vendorsim {

inline constexpr const char* kJsonType = "application/json";

inline bool IsLoopback(const std::string& addr) {
  return addr == "::1" || addr.rfind("127.", 0) == 0 || addr.rfind("::ffff:127.", 0) == 0;
}

inline void AdminError(httplib::Response& res, int status, const std::string& message) {
  res.status = status;
  res.set_content(nlohmann::json{{"ok", false}, {"error", message}}.dump(), kJsonType);
}

// Wraps an admin handler: loopback peers only.
template <typename Fn>
httplib::Server::Handler Admin(Fn fn) {
  return [fn](const httplib::Request& req, httplib::Response& res) {
    if (!IsLoopback(req.remote_addr)) return AdminError(res, 403, "the admin API answers loopback clients only");
    fn(req, res);
  };
}

// The request's body as a JSON object ("" is {}); false after answering 400.
inline bool ParseBody(const httplib::Request& req, httplib::Response& res, nlohmann::json& doc) {
  doc = nlohmann::json::parse(req.body.empty() ? std::string("{}") : req.body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    AdminError(res, 400, "the body must be a JSON object");
    return false;
  }
  return true;
}

}  // namespace datasync::vendorsim
