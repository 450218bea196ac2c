// HttpServer: the daemon's HTTP endpoint (ARCHITECTURE §12), served by cpp-httplib on its own threads:
//   GET /metrics  Prometheus text exposition (format 0.0.4) of every metric of the daemon
//   GET /healthz  {"status": "ok"|"stalled", ...}; 503 when the scheduler loop has stalled
//   GET /, /assets/...  the web app (built in; api/static_files.hpp)
//   /api/v1/...   the REST API and its live events, behind sign-in (api/api_routes.hpp, docs/web.md)
// /metrics and /healthz are read-only and carry no secrets. They answer without a token so that Prometheus
// and service managers can scrape them, which is why the server binds to 127.0.0.1 by default (and an
// address that is not loopback needs serve.tls or serve.allow_insecure). With `tls` enabled everything is
// served over HTTPS only (BoundedServer::EnableTls); a certificate or key that cannot be used fails Start.
//
// Bounds (app::HttpLimits, `serve.http`): they belong to the server, so every route added later has them.
// At most max_connections connections are open at once (worker_threads served, the rest waiting); the
// listener closes any beyond that at once, so a flood can neither take the process's file descriptors nor
// queue without end. Each request must arrive whole within request_timeout_secs of the connection opening
// (or of the previous response on it), headers within max_header_bytes; a connection silent for
// idle_timeout_secs is closed; a body larger than max_body_bytes, or sent to a path or method no route
// takes, is refused from its headers (413, 404, 405), without being read, and the connection closed.
//
// Lifecycle: Start binds (port 0 picks a free port, see port()) and serves in the background; Stop (or
// destruction) stops accepting, ends the connections open (each within its timeouts) and joins every
// thread of the server. Thread-safety: Start/Stop from one thread; the daemon's MetricsText/HealthJson are
// called from the server's threads.
#pragma once

#include <memory>
#include <string>

#include "app/app.hpp"
#include "app/config.hpp"
#include "app/daemon.hpp"
#include "core/error.hpp"

namespace datasync::api {

class HttpServer {
 public:
  static core::Result<std::unique_ptr<HttpServer>> Start(const std::string& host, int port,
                                                         const app::HttpLimits& limits, const app::TlsSettings& tls,
                                                         app::App& app, app::Daemon& daemon);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  const std::string& host() const;
  void Stop();

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace datasync::api
