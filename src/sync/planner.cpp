#include "sync/planner.hpp"

#include <vector>

namespace datasync::sync {

namespace {
constexpr size_t kChunk = 10'000;

core::Status StoreTasks(RunStore& store, int64_t run_id, generation::ArgumentGenerator& generator, int64_t skip) {
  std::vector<NewTask> chunk;
  chunk.reserve(std::min<uint64_t>(kChunk, generator.Count()));
  datasource::Params params;
  // Argument sets are computed from their index: resuming skips what is stored without regenerating it.
  generator.Seek(static_cast<uint64_t>(skip));
  while (generator.Next(params)) {
    chunk.push_back({0, TaskKey(params), params});
    if (chunk.size() == kChunk) {
      if (auto st = store.AddTasks(run_id, chunk); !st) return st;
      chunk.clear();
    }
  }
  if (!chunk.empty()) return store.AddTasks(run_id, chunk);
  return core::Ok();
}
}  // namespace

core::Result<int64_t> PlanRun(RunStore& store, const SyncPlan& plan, generation::ArgumentGenerator& generator,
                              const std::string& trigger, const core::Clock& clock, int64_t slot_us) {
  SyncRun run;
  run.plan = plan.name;
  run.status = RunStatus::kPending;
  run.trigger = trigger;
  run.slot_us = slot_us;
  run.created_at_us = core::ToEpochMicros(clock.Now());
  auto id = store.CreateRun(run);
  if (!id) return id;
  run.id = *id;
  if (auto st = ResumePlanning(store, run, generator, clock); !st) return core::Fail(st.error());
  return *id;
}

core::Status ResumePlanning(RunStore& store, SyncRun& run, generation::ArgumentGenerator& generator,
                            const core::Clock& clock) {
  auto counts = store.CountTasks(run.id);
  if (!counts) return core::Fail(counts.error());
  if (auto st = StoreTasks(store, run.id, generator, counts->total()); !st) return st;
  run.counts.tasks_total = static_cast<int64_t>(generator.Count());
  run.status = RunStatus::kRunning;
  if (run.started_at_us == 0) run.started_at_us = core::ToEpochMicros(clock.Now());
  return store.UpdateRun(run);
}

}  // namespace datasync::sync
