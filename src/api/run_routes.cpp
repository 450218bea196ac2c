// The overview, plans, runs and their tasks, and run control (docs/web.md). Reads come from the system
// database through app/; control writes the run's control row (pause, cancel) or hands the run to the
// daemon's workers (run, resume, retry), so no request waits on a sink or the vendor.
#include <fmt/format.h>

#include <tuple>

#include "api/api_routes.hpp"
#include "app/dashboard_service.hpp"
#include "app/views/dashboard_views.hpp"
#include "app/views/run_views.hpp"
#include "sync/sync_run.hpp"

namespace datasync::api {

using ordered_json = nlohmann::ordered_json;

namespace {

constexpr int64_t kMaxPage = 500;
constexpr const char* kRunStatuses = "pending, running, succeeded, failed, cancelled, deferred, paused";
constexpr const char* kTaskStates = "pending, running, done, cooling, deferred, failed, skipped, split, cancelled";

// Records the action in the audit log, then answers `message` (or the failure).
void Audited(ApiCall& call, app::App& app, const std::string& action, const std::string& target,
             const core::Result<std::string>& outcome, int ok_status = 200) {
  std::string detail = outcome ? *outcome : "refused: " + outcome.error().message();
  if (auto st = app.access().Record(call.actor(), action, target, detail); !st)
    return SendFailure(call.res, st.error());
  if (!outcome) return SendFailure(call.res, outcome.error());
  SendJson(call.res, ok_status, app::views::MessageJson(*outcome));
}

core::Result<std::string> Started(const core::Status& st, std::string message) {
  if (!st) return core::Fail(st.error());
  return message;
}

}  // namespace

void AddRunRoutes(Api& api) {
  app::App& app = api.app();
  app::Daemon& daemon = api.daemon();

  api.Add({"GET", "/api/v1/overview", Access::kViewer, "Plans, runs in flight and quota use", [&app](ApiCall& call) {
             auto o = app::BuildOverview(app);
             if (!o) return SendFailure(call.res, o.error());
             SendJson(call.res, 200, app::views::ToJson(*o));
           }});
  api.Add({"GET", "/api/v1/plans", Access::kViewer, "The plans with their last run and next fire time",
           [&app](ApiCall& call) {
             auto plans = app::PlanSummaries(app);
             if (!plans) return SendFailure(call.res, plans.error());
             ordered_json items = ordered_json::array();
             for (const auto& p : *plans) items.push_back(app::views::ToJson(p));
             SendJson(call.res, 200, ordered_json{{"items", items}});
           }});
  api.Add({"POST", "/api/v1/plans/{name}/run", Access::kOperator,
           "Start the plan's next run (or continue its unfinished one) on the daemon's workers",
           [&app, &daemon](ApiCall& call) {
             std::string plan = PathName(call);
             Audited(call, app, "plan.run", "plan " + plan,
                     Started(daemon.StartPlan(plan), "started plan " + plan + "; it shows among the runs in flight"),
                     202);
           }});
  api.Add({"GET",
           "/api/v1/runs",
           Access::kViewer,
           "Runs, newest first",
           [&app](ApiCall& call) {
             sync::RunQuery q;
             auto page_at = QueryPage(call, kMaxPage, 50);
             auto plan = page_at ? QueryText(call, "plan", 256) : std::nullopt;
             if (!plan || !QueryEnum(call, "status", sync::ParseRunStatus, kRunStatuses, q.status)) return;
             q.plan = *plan;
             std::tie(q.limit, q.offset) = *page_at;
             auto page = app::RunPage(app, q);
             if (!page) return SendFailure(call.res, page.error());
             SendJson(call.res, 200, app::views::PageJson(*page));
           },
           {"plan", "status", "limit", "offset"}});
  api.Add({"GET", "/api/v1/runs/{id}", Access::kViewer, "One run and its report", [&app](ApiCall& call) {
             int64_t id = PathId(call);
             auto run = app.Run(id);
             if (!run) return SendFailure(call.res, run.error());
             if (!*run) return SendError(call.res, 404, "no run " + std::to_string(id));
             ordered_json j = app::views::ToJson(**run);
             j["report"] = (*run)->report_json.empty() ? ordered_json(nullptr) : app::views::RunReportJson(**run);
             SendJson(call.res, 200, j);
           }});
  api.Add({"GET",
           "/api/v1/runs/{id}/tasks",
           Access::kViewer,
           "A run's tasks, oldest first; by state, and by a substring of their parameters",
           [&app](ApiCall& call) {
             sync::TaskQuery q;
             auto page_at = QueryPage(call, kMaxPage, 50);
             auto search = page_at ? QueryText(call, "q", 200) : std::nullopt;
             if (!search || !QueryEnum(call, "state", sync::ParseTaskState, kTaskStates, q.state)) return;
             q.run_id = PathId(call);
             std::tie(q.limit, q.offset) = *page_at;
             q.search = *search;
             auto page = app::TaskPage(app, q);
             if (!page) return SendFailure(call.res, page.error());
             SendJson(call.res, 200, app::views::PageJson(*page));
           },
           {"state", "q", "limit", "offset"}});

  api.Add({"GET",
           "/api/v1/runs/{id}/timeline",
           Access::kViewer,
           "A run's tasks by the time of their latest change, in equal buckets, per state",
           [&app](ApiCall& call) {
             auto buckets = QueryInt(call, "buckets", 1, 1000, 60);
             if (!buckets) return;
             auto t = app::BuildRunTimeline(app, PathId(call), static_cast<size_t>(*buckets));
             if (!t) return SendFailure(call.res, t.error());
             SendJson(call.res, 200, app::views::ToJson(*t));
           },
           {"buckets"}});
  api.Add({"POST", "/api/v1/runs/{id}/pause", Access::kOperator, "Ask the executing process to pause the run",
           [&app](ApiCall& call) {
             std::string id = std::to_string(PathId(call));
             Audited(call, app, "run.pause", "run " + id, app.Pause(id));
           }});
  api.Add({"POST", "/api/v1/runs/{id}/cancel", Access::kOperator, "Cancel the run", [&app](ApiCall& call) {
             std::string id = std::to_string(PathId(call));
             Audited(call, app, "run.cancel", "run " + id, app.Cancel(id));
           }});
  api.Add({"POST", "/api/v1/runs/{id}/resume", Access::kOperator,
           "Resume a paused, deferred or interrupted run on the daemon's workers", [&app, &daemon](ApiCall& call) {
             int64_t id = PathId(call);
             Audited(call, app, "run.resume", "run " + std::to_string(id),
                     Started(daemon.ResumeRun(id), fmt::format("resuming run {}", id)), 202);
           }});
  api.Add({"POST", "/api/v1/runs/{id}/retry", Access::kOperator,
           "Run a finished run's failed and cancelled tasks again on the daemon's workers",
           [&app, &daemon](ApiCall& call) {
             int64_t id = PathId(call);
             Audited(call, app, "run.retry", "run " + std::to_string(id),
                     Started(daemon.RetryRun(id), fmt::format("retrying run {}", id)), 202);
           }});
}

}  // namespace datasync::api
