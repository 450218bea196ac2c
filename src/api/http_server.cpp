#include "api/http_server.hpp"

#include <fmt/format.h>

#include <atomic>
#include <thread>

#include "api/api_routes.hpp"
#include "api/bounded_server.hpp"
#include "api/static_files.hpp"
#include "core/log.hpp"

namespace datasync::api {

struct HttpServer::Impl {
  Impl(const app::HttpLimits& limits, app::App& app, app::Daemon& daemon, bool tls)
      : server(limits), api(app, daemon, tls) {}
  BoundedServer server;
  Api api;
  std::atomic<bool> stopping{false};  // ends the event streams
  std::thread thread;
  std::string host;
  int port = 0;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Stop();
}

core::Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& host, int port,
                                                            const app::HttpLimits& limits, const app::TlsSettings& tls,
                                                            app::App& app, app::Daemon& daemon) {
  auto impl = std::make_unique<Impl>(limits, app, daemon, tls.enabled());
  Impl& m = *impl;
  if (tls.enabled()) {
    if (auto st = m.server.EnableTls(tls.cert, tls.key); !st) return core::Fail(st.error());
  }
  m.host = host;
  m.server.Route("GET", "/metrics", [&daemon](const httplib::Request&, httplib::Response& res) {
    res.set_content(daemon.MetricsText(), "text/plain; version=0.0.4; charset=utf-8");
  });
  m.server.Route("GET", "/healthz", [&daemon](const httplib::Request&, httplib::Response& res) {
    bool healthy = false;
    res.set_content(daemon.HealthJson(&healthy), "application/json");
    res.status = healthy ? 200 : 503;
  });
  AddStaticRoutes(m.server);
  AddAuthRoutes(m.api);
  AddRunRoutes(m.api);
  AddCatalogRoutes(m.api);
  AddManageRoutes(m.api);
  AddEventRoutes(m.api, m.stopping);
  Api* api = &m.api;
  m.api.Add({"GET", "/api/v1/openapi.json", Access::kPublic, "This document (OpenAPI 3.0)",
             [api](ApiCall& call) { SendJson(call.res, 200, api->OpenApi()); }});
  m.api.Install(m.server);
  // One access line per request, with its latency; the scrapes of /metrics and /healthz at debug level.
  m.server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - BoundedServer::RequestStart())
            .count();
    bool scrape = req.path == "/metrics" || req.path == "/healthz";
    core::Log(scrape ? core::LogLevel::kDebug : core::LogLevel::kInfo,
              fmt::format("http {} {} {} {:.1f} ms {}", req.method, req.path, res.status, ms, req.remote_addr));
  });
  if (port == 0) {
    m.port = m.server.bind_to_any_port(host);
  } else {
    m.port = m.server.bind_to_port(host, port) ? port : -1;
  }
  if (m.port <= 0) {
    return core::Fail(core::ErrorKind::kConfig, "cannot listen on " + host + ":" + std::to_string(port) +
                                                    " (in use, or not an address of this machine); set serve.listen "
                                                    "or --listen to another HOST:PORT, or off");
  }
  m.thread = std::thread([&m] { m.server.listen_after_bind(); });
  // The socket already accepts connections (the kernel queues them); this only waits for the accept loop.
  for (int i = 0; i < 2000 && !m.server.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

int HttpServer::port() const {
  return impl_->port;
}
const std::string& HttpServer::host() const {
  return impl_->host;
}

void HttpServer::Stop() {
  if (!impl_) return;
  impl_->stopping.store(true);
  impl_->server.Shutdown();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace datasync::api
