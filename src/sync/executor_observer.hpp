// ExecutorObserver: what an Executor reports while it works, for the daemon's metrics (request latency,
// errors by class, rows and bytes as tasks complete, queue depths). Optional: the executor runs the same
// without one.
//
// Thread-safety: called from the executor's fetch workers, sink writers and dispatcher at once, sometimes
// with the executor's own lock held; implementations must be thread-safe, fast, and must not call back
// into the executor.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "core/error.hpp"

namespace datasync::sync {

class ExecutorObserver {
 public:
  virtual ~ExecutorObserver() = default;
  // One vendor call (fetch and decode) ended after `latency`; `error` is its class when it failed.
  virtual void OnRequest(std::chrono::duration<double> latency, std::optional<core::ErrorKind> error) = 0;
  // An error of this class was handled (a fetch, a decode or a storage write), whatever was decided.
  virtual void OnError(core::ErrorKind kind) = 0;
  // A task is done: its rows are durable in every storage.
  virtual void OnTaskDone(int64_t rows, int64_t bytes) = 0;
  // Tasks waiting for a fetch worker, batches waiting for sink writers (all storages), tasks in flight, and
  // how many vendor calls may be in flight now (the adaptive limit, or the fixed concurrency).
  virtual void OnQueues(size_t fetch_queue, size_t sink_queues, int64_t in_flight, int64_t call_limit) = 0;
};

}  // namespace datasync::sync
