#include "sim_server.hpp"

#include <httplib.h>
#include <sys/socket.h>

#include "binance/binance_routes.hpp"
#include "binance/binance_state.hpp"
#include "ndl/ndl_routes.hpp"
#include "ndl/ndl_state.hpp"
#include "routes.hpp"
#include "sim_state.hpp"

namespace datasync::vendorsim {

struct SimServer::Impl {
  Impl(StartupConfig startup, RuntimeConfig runtime, ndl::NdlConfig ndl_config)
      : state(std::move(startup), std::move(runtime)),
        ndl(std::move(ndl_config), state.startup().seed, state.clock(), state.gate()),
        binance(state.startup().seed, state.clock(), state.gate()) {}

  SimState state;
  ndl::NdlState ndl;
  binance::BinanceState binance;
  httplib::Server server;
  int listen_fd = -1;
};

SimServer::SimServer(StartupConfig startup, RuntimeConfig runtime, ndl::NdlConfig ndl)
    : impl_(std::make_unique<Impl>(std::move(startup), std::move(runtime), std::move(ndl))) {
  httplib::Server& server = impl_->server;
  const size_t threads = static_cast<size_t>(impl_->state.startup().threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Responses go out as a header write and a body write; without TCP_NODELAY the second waits for the
  // peer's delayed ACK (~40 ms on Linux loopback).
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000);
  server.set_payload_max_length(1 << 20);
  // The socket-options hook runs on the listening socket before bind; remember it so Bind() can raise
  // the library's compiled-in backlog of 5.
  server.set_socket_options([impl = impl_.get()](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    if (impl->listen_fd < 0) impl->listen_fd = fd;
  });
  RegisterDataRoutes(server, impl_->state);
  RegisterAdminRoutes(server, impl_->state);
  RegisterDocRoutes(server, impl_->state);
  ndl::RegisterNdlRoutes(server, impl_->ndl);
  ndl::RegisterNdlAdminRoutes(server, impl_->ndl);
  binance::RegisterBinanceRoutes(server, impl_->binance);
  binance::RegisterBinanceAdminRoutes(server, impl_->binance);
}

SimServer::~SimServer() = default;

int SimServer::Bind() {
  const StartupConfig& startup = impl_->state.startup();
  int port = -1;
  if (startup.port == 0) {
    port = impl_->server.bind_to_any_port(startup.host);
  } else if (impl_->server.bind_to_port(startup.host, startup.port)) {
    port = startup.port;
  }
  if (port > 0 && impl_->listen_fd >= 0) ::listen(impl_->listen_fd, SOMAXCONN);
  return port;
}

bool SimServer::Run() {
  return impl_->server.listen_after_bind();
}

void SimServer::Stop() {
  // The pool's workers are joined when the server stops; held calls must finish first.
  impl_->state.gate().Shutdown();
  impl_->server.stop();
}

}  // namespace datasync::vendorsim
