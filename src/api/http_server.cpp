#include "api/http_server.hpp"

#include <thread>

#include "api/bounded_server.hpp"

namespace datasync::api {

struct HttpServer::Impl {
  explicit Impl(const app::HttpLimits& limits) : server(limits) {}
  BoundedServer server;
  std::thread thread;
  std::string host;
  int port = 0;
};

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpServer::~HttpServer() {
  Stop();
}

core::Result<std::unique_ptr<HttpServer>> HttpServer::Start(const std::string& host, int port,
                                                            const app::HttpLimits& limits, app::Daemon& daemon) {
  auto impl = std::make_unique<Impl>(limits);
  Impl& m = *impl;
  m.host = host;
  m.server.Route("GET", "/metrics", [&daemon](const httplib::Request&, httplib::Response& res) {
    res.set_content(daemon.MetricsText(), "text/plain; version=0.0.4; charset=utf-8");
  });
  m.server.Route("GET", "/healthz", [&daemon](const httplib::Request&, httplib::Response& res) {
    bool healthy = false;
    res.set_content(daemon.HealthJson(&healthy), "application/json");
    res.status = healthy ? 200 : 503;
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
  impl_->server.Shutdown();
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace datasync::api
