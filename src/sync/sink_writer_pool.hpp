// SinkWriterPool: the write half of the data path (ARCHITECTURE §3). One writer thread per sink, each
// behind a bounded queue, so a slow sink blocks Submit and with it whoever fetches (back-pressure, flat
// memory). A writer group-commits: it writes what its queue holds, and when the queue runs dry it waits for
// more for as long as `linger_factor` times its last commit took, or `min_linger` (so a commit costs at most about a fifth
// of the writer's time, and one fsync covers many units when they come fast), but never longer than
// `max_commit_delay` after the group's first write (so data lands promptly when they come slowly). A group
// is also committed at `commit_every_batches` units or `max_group_bytes` bytes of batches. A unit is
// acknowledged once, after every sink made it durable (ack after durable write), with the first sink's
// error if any sink failed it.
//
// The pool knows nothing of tasks or runs: a unit is an opaque ack token, a stable key (the sink's unit
// name: part-file names, idempotent upserts) and a shared read-only batch. The batch executor submits one
// unit per task; a stream runner submits one per micro-batch.
//
// A failed Write discards the sink's whole uncommitted group (sink contract): the failing unit gets the
// error, the others are written again from memory, so one bad batch never costs its neighbours a re-fetch.
// A failed Commit fails every unit of the group; one that failed with kInvalidInput (rows refused at Commit,
// which names no unit) is retried as one commit per unit, so only the unit with the bad rows fails.
//
// Crash points (test builds, core/crash_point.hpp): `write:STORAGE` after a sink's Write, before its
// Commit; `commit:STORAGE` after its Commit, before the pool records that sink's ack; `partial-ack` when a
// sink acked a unit another sink has not committed yet.
//
// Lifecycle: construct over sinks that are bound, migrated and open (the caller owns them and closes them
// after Close) → Start → Submit… → Close (drains every queue, commits, joins the writers). The destructor
// closes a pool that was not closed.
// Thread-safety: Submit, queued and sinks may be called from several threads at once; Start and Close from
// the owner's thread. `on_durable` is called on a writer thread, never with the pool's lock held; it must
// be thread-safe and must not call Close.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/column_batch.hpp"
#include "core/error.hpp"
#include "storage/sink.hpp"

namespace datasync::sync {

class SinkWriterPool {
 public:
  using AckToken = int64_t;
  // Called once per submitted unit, when every sink has committed it or failed it.
  using OnDurable = std::function<void(AckToken token, const std::optional<core::Error>& error)>;

  struct Writer {
    std::string storage;  // the storage's name: crash points and logs
    storage::Sink* sink = nullptr;
  };
  struct Options {
    size_t queue_batches = 8;           // units waiting per sink before Submit blocks
    size_t commit_every_batches = 512;  // group commit: at most this many units per commit
    size_t max_group_bytes = 64u << 20;  // and at most this many bytes of batches
    double linger_factor = 4;            // a dry queue is waited on for this × the last commit's duration
    std::chrono::milliseconds min_linger{5};          // and at least this long
    std::chrono::milliseconds max_commit_delay{500};  // a written unit's longest wait for its commit
  };

  SinkWriterPool(std::vector<Writer> writers, Options options, OnDurable on_durable);
  ~SinkWriterPool();
  SinkWriterPool(const SinkWriterPool&) = delete;
  SinkWriterPool& operator=(const SinkWriterPool&) = delete;

  void Start();
  // Hands the unit to every sink; blocks while a sink's queue is full. With no sinks nothing is acked.
  void Submit(AckToken token, std::string key, std::shared_ptr<const core::ColumnBatch> batch);
  // No more units: every writer drains its queue, commits what it holds and stops; joins them.
  void Close();
  // Interrupts (Sink::Interrupt) every sink whose writer has been inside one call (Write, Commit, Abort)
  // for longer than `older_than`: that call ends with an error, and the units the writer still holds or
  // will pop fail fast, so Close and a Submit waiting for room return soon. A writer that is idle, or
  // whose call is younger, is left alone. For a stop that must not wait for a store that stopped
  // answering. Any thread, any time; returns how many sinks it interrupted.
  size_t InterruptStalled(std::chrono::milliseconds older_than);

  size_t sinks() const;
  size_t queued() const;  // units waiting in every sink's queue

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace datasync::sync
