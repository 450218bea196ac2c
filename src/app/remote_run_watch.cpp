#include "app/remote_run_watch.hpp"

#include <set>

namespace datasync::app {

std::vector<events::Event> RemoteRunWatch::Observe(const std::vector<ActiveRun>& active,
                                                   const std::function<std::optional<sync::SyncRun>(int64_t)>& run_of) {
  std::vector<events::Event> out;
  std::set<int64_t> now;
  for (const auto& a : active) {
    const sync::SyncRun& r = a.run;
    if (!a.alive || r.owner.empty() || r.owner == self_) continue;
    now.insert(r.id);
    auto it = seen_.find(r.id);
    if (it != seen_.end() && it->second.counts == r.counts && it->second.status == r.status) continue;
    sync::Progress p;
    p.run_id = r.id;
    p.tasks_total = r.counts.tasks_total;
    p.tasks_done = r.counts.tasks_done;
    p.tasks_failed = r.counts.tasks_failed;
    p.tasks_skipped = r.counts.tasks_skipped;
    p.rows = r.counts.rows;
    p.bytes = r.counts.bytes;
    p.eta_secs = static_cast<double>(a.eta_secs);
    p.note = std::string(sync::RunStatusName(r.status)) + " in " + r.owner;
    out.emplace_back(events::RunProgress{r.plan, p});
    seen_[r.id] = Seen{r.plan, r.counts, r.status};
  }
  for (auto it = seen_.begin(); it != seen_.end();) {
    if (now.count(it->first)) {
      ++it;
      continue;
    }
    // It left the set: finished, paused, deferred, or its process stopped answering.
    events::RemoteRunEnded ended{it->second.plan, it->first, "interrupted", it->second.counts};
    if (auto run = run_of(it->first)) {
      ended.status = std::string(sync::RunStatusName(run->status));
      ended.counts = run->counts;
    }
    out.emplace_back(std::move(ended));
    it = seen_.erase(it);
  }
  return out;
}

}  // namespace datasync::app
