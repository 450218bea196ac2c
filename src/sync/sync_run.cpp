#include "sync/sync_run.hpp"

#include "sync/run_store.hpp"

#include <array>

#include "core/strings.hpp"

namespace datasync::sync {

namespace {
constexpr std::array<std::string_view, 7> kRunStatus = {"pending",   "running",  "succeeded", "failed",
                                                         "cancelled", "deferred", "paused"};
constexpr std::array<std::string_view, 9> kTaskState = {"pending", "running", "done",  "cooling",  "deferred",
                                                        "failed",  "skipped", "split", "cancelled"};

template <class E, size_t N>
std::optional<E> ParseName(const std::array<std::string_view, N>& names, std::string_view s) {
  for (size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}
}  // namespace

std::string_view RunStatusName(RunStatus s) { return kRunStatus.at(static_cast<size_t>(s)); }
std::optional<RunStatus> ParseRunStatus(std::string_view s) { return ParseName<RunStatus>(kRunStatus, s); }
bool IsFinal(RunStatus s) {
  return s == RunStatus::kSucceeded || s == RunStatus::kFailed || s == RunStatus::kCancelled;
}

std::string_view RunControlName(RunControl c) {
  switch (c) {
    case RunControl::kNone: return "";
    case RunControl::kPause: return "pause";
    case RunControl::kCancel: return "cancel";
  }
  return "";
}

std::optional<RunControl> ParseRunControl(std::string_view s) {
  if (s.empty()) return RunControl::kNone;
  if (s == "pause") return RunControl::kPause;
  if (s == "cancel") return RunControl::kCancel;
  return std::nullopt;
}

std::string_view TaskStateName(TaskState s) { return kTaskState.at(static_cast<size_t>(s)); }
std::optional<TaskState> ParseTaskState(std::string_view s) { return ParseName<TaskState>(kTaskState, s); }

void SetTaskCounts(RunCounts& counts, const TaskCounts& tasks) {
  counts.tasks_total = tasks.total() - tasks.split;  // a split task is replaced by its parts
  counts.tasks_done = tasks.done;
  counts.tasks_failed = tasks.failed;
  counts.tasks_skipped = tasks.skipped;
  counts.tasks_cancelled = tasks.cancelled;
  counts.rows = tasks.rows;
  counts.bytes = tasks.bytes;
}

std::string TaskKey(const datasource::Params& params) {
  // Length-prefixed so that ("a","bc") and ("ab","c") differ.
  std::string canon;
  for (const auto& [k, v] : params) {
    canon += std::to_string(k.size()) + ":" + k + "=" + std::to_string(v.size()) + ":" + v + ";";
  }
  return core::Hex64(core::Fnv1a64(canon));
}

}  // namespace datasync::sync
