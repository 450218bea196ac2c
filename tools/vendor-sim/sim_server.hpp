// SimServer: the simulator process's HTTP server (the Tushare API, the Nasdaq Data Link API and the Binance public
// archive's kline files). Lifecycle: construct
// (builds the synthetic market) → Bind() (host:port, port 0 = a free one) → Run() on one thread, which serves until
// Stop() → destroy. Stop() is thread-safe and may be called before or during Run(). Request handling happens on a pool
// of --threads workers, one keep-alive connection per worker at a time; a data call held at the call gate keeps its
// worker. Stop() opens the gate for good, so held calls finish and Run() returns.
#pragma once

#include <memory>

#include "ndl/ndl_config.hpp"
#include "sim_config.hpp"

namespace datasync::vendorsim {

class SimServer {
 public:
  // `ndl` configures the Nasdaq Data Link routes served beside the Tushare ones (see ndl/).
  SimServer(StartupConfig startup, RuntimeConfig runtime, ndl::NdlConfig ndl = {});
  ~SimServer();
  SimServer(const SimServer&) = delete;
  SimServer& operator=(const SimServer&) = delete;

  // Returns the bound port, or -1 when the address cannot be bound.
  int Bind();
  // Blocks until Stop(); false if the server could not serve.
  bool Run();
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace datasync::vendorsim
