// WorkerIdentity: who holds a lease in the system database (a run's heartbeat, its tasks, its plan): a process
// on a host, named "pid@host" (the form runs.owner and schedule_slots.owner have always had). The rule that
// decides whether a holder is gone lives with the other owner-alive rules (run_transitions.hpp,
// LeaseLapsed); this file only names processes and asks the kernel whether one exists.
//
// Thread-safety: values; ThisProcess() is computed once and safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace datasync::sync {

struct WorkerIdentity {
  std::string host;
  int64_t pid = 0;

  std::string Name() const;  // "pid@host"
  bool operator==(const WorkerIdentity&) const = default;

  // This process (getpid, gethostname), read once.
  static const WorkerIdentity& ThisProcess();
  // "pid@host" back into its parts; nullopt for anything else (an empty owner, a name from a newer datasync).
  static std::optional<WorkerIdentity> Parse(std::string_view name);
};

// Whether a process with this pid exists on this host (kill(pid, 0); a process of another user exists too).
bool ProcessAlive(int64_t pid);

// How the rules ask about a pid; tests pass their own.
using PidAlive = std::function<bool(int64_t pid)>;

}  // namespace datasync::sync
