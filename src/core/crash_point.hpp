// Crash points: named places where a test makes the process die as if killed by `kill -9`, to prove that a
// crash at exactly that place loses and duplicates nothing (ARCHITECTURE §3, ack after durable write).
//
// DATASYNC_CRASH_AT="NAME" or "NAME@N" arms one point: the N-th time (default 1) the process reaches it, it
// prints "crash point NAME reached" to stderr and raises SIGKILL. NAME is a point's kind ("write") or kind
// and detail ("write:warehouse", the storage name). The variable is read only in builds configured with
// -DDATASYNC_TEST_HOOKS=ON (scripts/build.sh test); elsewhere CrashPoint does nothing.
//
// The points (docs/development.md lists them with what each proves):
//   write:STORAGE      after a sink's Write, before its Commit
//   commit:STORAGE     after a sink's Commit, before the engine records that sink's ack
//   partial-ack        a sink acked a task that another sink has not committed yet
//   ack                every sink committed a task, before the ledger marks it done
//   replace:STORAGE    in the middle of a replace run's publish (Finish): inside the swap transaction
//                      (SQLite, PostgreSQL), between recording the run and the swap (MySQL, ClickHouse),
//                      between the swap and removing the old data (file sinks)
//   replace-swapped:STORAGE  after a RENAME swap, before the old table is dropped (MySQL, ClickHouse)
//   rename:STORAGE     in the middle of a file sink's renames into place
// Thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace datasync::core {

// True when DATASYNC_CRASH_AT arms a point in this process (cheap; read once).
bool CrashPointsArmed();
// Dies here when `kind` (or "kind:detail") is the armed point and this is its N-th hit.
void CrashPointSlow(std::string_view kind, std::string_view detail);

inline void CrashPoint(std::string_view kind, std::string_view detail = {}) {
  if (CrashPointsArmed()) CrashPointSlow(kind, detail);
}

}  // namespace datasync::core
