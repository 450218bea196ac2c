// RemoteRunWatch: live progress of the runs another process executes (a `serve` on another machine, a CLI
// `run`, or `serve` while this process is `datasync web`), for the web app's event stream. The daemon
// reads the unfinished runs from the system database every few seconds (App::Status) and hands them here;
// this turns what changed into the events the stream carries for its own runs: run_progress when a run's
// counts moved, and a run's end (events::RemoteRunEnded, streamed as run_ended) when it left the unfinished
// set. Runs this process executes are skipped: they publish their own events. Metrics and alerts do not
// listen to these (the process that runs them counts and alerts).
//
// Lifecycle: one per daemon. Thread-safety: one thread (the daemon's loop).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "app/events/events.hpp"

namespace datasync::app {

class RemoteRunWatch {
 public:
  explicit RemoteRunWatch(std::string self_owner) : self_(std::move(self_owner)) {}

  // `active`: the unfinished runs now; `run_of(id)`: a run as stored (for the end of one that left the
  // set). Returns the events to publish, in order.
  std::vector<events::Event> Observe(const std::vector<ActiveRun>& active,
                                     const std::function<std::optional<sync::SyncRun>(int64_t)>& run_of);

 private:
  struct Seen {
    std::string plan;
    sync::RunCounts counts;
    sync::RunStatus status = sync::RunStatus::kPending;
  };
  std::string self_;
  std::map<int64_t, Seen> seen_;  // remote runs executing at the last look
};

}  // namespace datasync::app
