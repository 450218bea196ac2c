// Planner: turns a plan into a persisted run and its tasks (ARCHITECTURE §3, "plan -> tasks (persisted)").
// Tasks are streamed into the RunStore in chunks, so planning a million tasks holds one chunk in memory.
// A run stays `pending` until every task is stored; a planner interrupted by a crash resumes by
// regenerating the same deterministic sequence and skipping what is already stored.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "generation/argument_generator.hpp"
#include "sync/run_store.hpp"
#include "sync/sync_plan.hpp"

namespace datasync::sync {

// Creates a run for `plan` and stores every task of `generator`. Returns the run id. A scheduled run
// records its slot's fire time (`slot_us`) in the same INSERT.
core::Result<int64_t> PlanRun(RunStore& store, const SyncPlan& plan, generation::ArgumentGenerator& generator,
                              const std::string& trigger, const core::Clock& clock, int64_t slot_us = 0);

// Completes the planning of a run left `pending` (tasks partly stored) and marks it running.
core::Status ResumePlanning(RunStore& store, SyncRun& run, generation::ArgumentGenerator& generator,
                            const core::Clock& clock);

}  // namespace datasync::sync
