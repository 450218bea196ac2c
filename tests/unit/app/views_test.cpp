// The JSON views are a contract shared by the CLI's --json and the REST API: field names, their order and
// the derived fields (status names, UTC stamps, the null report) are what clients read.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/views/catalog_views.hpp"
#include "app/views/dashboard_views.hpp"
#include "app/views/run_views.hpp"
#include "app/views/schedule_views.hpp"

namespace datasync::app::views {
namespace {

TEST(RunViewsTest, RunHistoryRowKeepsItsFieldOrderAndNamesTheStatus) {
  sync::SyncRun r;
  r.id = 7;
  r.plan = "daily";
  r.status = sync::RunStatus::kDeferred;
  r.counts.tasks_total = 3;
  r.error = "quota";
  EXPECT_EQ(ToJson(r).dump(),
            R"({"id":7,"plan":"daily","status":"deferred","trigger":"manual","created_at_us":0,"started_at_us":0,)"
            R"("finished_at_us":0,"resume_at_us":0,"tasks_total":3,"tasks_done":0,"tasks_failed":0,)"
            R"("tasks_skipped":0,"rows":0,"bytes":0,"requests":0,"error":"quota"})");
}

TEST(RunViewsTest, ReportIsNullUntilTheRunHasOne) {
  sync::SyncRun r;
  r.id = 3;
  r.status = sync::RunStatus::kRunning;
  EXPECT_EQ(RunReportJson(r).dump(), R"({"run_id":3,"status":"running","report":null})");
  r.report_json = R"({"run_id":3,"status":"succeeded"})";
  EXPECT_EQ(RunReportJson(r).dump(), R"({"run_id":3,"status":"succeeded"})");
}

TEST(RunViewsTest, OutcomeWithoutReportSaysWhy) {
  PlanOutcome o;
  o.plan = "daily";
  o.note = "plan 'daily' is being run by pid 12";
  EXPECT_EQ(ToJson(o).dump(),
            R"({"plan":"daily","note":"plan 'daily' is being run by pid 12","report":null,"schema":[]})");
  EXPECT_EQ(MessageJson("paused run 4").dump(), R"({"message":"paused run 4"})");
}

TEST(RunViewsTest, ActiveRunHidesTheOwnerOfADeadProcess) {
  ActiveRun a;
  a.run.id = 9;
  a.run.owner = "12@host";
  a.alive = false;
  a.quota.push_back({"minute", 500, 20});
  auto j = ToJson(a);
  EXPECT_EQ(j["owner"], "");
  EXPECT_EQ(j["quota"].dump(), R"([{"window":"minute","limit":500,"used":20}])");
  a.alive = true;
  EXPECT_EQ(ToJson(a)["owner"], "12@host");
}

TEST(ScheduleViewsTest, FireTimesAndSlotsCarryUtcStamps) {
  FireTimeView f{86'400'000'000, "1970-01-02 08:00:00 CST", true};
  EXPECT_EQ(
      ToJson(f).dump(),
      R"({"at_us":86400000000,"utc":"1970-01-02 00:00:00Z","local":"1970-01-02 08:00:00 CST","assumed_open":true})");
  sync::ScheduleSlot s;
  s.plan = "daily";
  s.slot_us = 86'400'000'000;
  s.state = sync::SlotState::kHeld;
  EXPECT_EQ(ToJson(s).dump(), R"({"plan":"daily","slot_us":86400000000,"slot":"1970-01-02 00:00:00Z","state":"held",)"
                              R"("run_id":0,"owner":"","note":""})");
}

TEST(CatalogViewsTest, ValidateListsIssuesWithTheirSeverity) {
  ConfigResult r;
  ConfigIssue warning;
  warning.where.file = "datasync.yaml";
  warning.where.line = 4;
  warning.where.column = 3;
  warning.message = "unused";
  warning.warning = true;
  r.issues.push_back(warning);
  auto j = ToJson(r);
  EXPECT_EQ(j["valid"], r.ok());
  EXPECT_EQ(j["issues"].dump(),
            R"([{"file":"datasync.yaml","line":4,"column":3,"severity":"warning","message":"unused"}])");
  ApplyReport rep;
  rep.changes.push_back({"plan", "daily", "created", 1});
  rep.changes.push_back({"source", "tushare", "unchanged", 2});
  EXPECT_EQ(ToJson(rep).dump(),
            R"({"changed":1,"changes":[{"kind":"plan","name":"daily","change":"created","version":1},)"
            R"({"kind":"source","name":"tushare","change":"unchanged","version":2}]})");
}

// The REST API's shapes (docs/web.md): a page wraps its items, a task's params become an object, the
// events the web app streams carry their plan and run, and the others are not streamed.
TEST(DashboardViewsTest, PagesTasksAndEventsHaveTheDocumentedShapes) {
  Page<sync::SyncTask> page;
  sync::SyncTask t;
  t.id = 7;
  t.run_id = 2;
  t.key = "k";
  t.params = {{"trade_date", "20240102"}, {"ts_code", "<b>"}};
  t.state = sync::TaskState::kDone;
  t.rows = 5;
  page.items.push_back(t);
  page.total = 41;
  page.limit = 1;
  page.offset = 40;
  EXPECT_EQ(PageJson(page).dump(),
            R"({"items":[{"id":7,"parent_id":0,"key":"k","state":"done","attempts":0,"rows":5,"bytes":0,)"
            R"("params":{"trade_date":"20240102","ts_code":"<b>"},"error_kind":"","error":"","updated_at_us":0}],)"
            R"("total":41,"limit":1,"offset":40})");

  sync::Progress p;
  p.run_id = 9;
  p.tasks_total = 10;
  p.tasks_done = 4;
  auto progress = EventJson(events::RunProgress{"bars", p});
  EXPECT_EQ(progress["plan"], "bars");
  EXPECT_EQ(progress["run_id"], 9);
  EXPECT_EQ(progress["tasks_done"], 4);
  sync::RunReport r;
  r.run_id = 9;
  r.plan = "bars";
  r.status = "succeeded";
  r.rows = 100;
  EXPECT_EQ(EventJson(events::RunEnded{r, 0}).dump(),
            R"({"plan":"bars","run_id":9,"status":"succeeded","rows":100,"tasks_done":0,"tasks_failed":0})");
  EXPECT_TRUE(EventJson(events::TaskDone{"bars", 1, 2}).is_null());
  EXPECT_TRUE(EventJson(events::RequestEnded{"bars", 0.1, std::nullopt}).is_null());

  metadata::AuditEntry e{3, 5, "alice", "operator", "run.pause", "run 9", "paused", "127.0.0.1"};
  EXPECT_EQ(ToJson(e).dump(), R"({"id":3,"at_us":5,"actor":"alice","role":"operator","action":"run.pause",)"
                              R"("target":"run 9","detail":"paused","remote":"127.0.0.1"})");
  metadata::ApiToken token{"alice", "operator", "secret-hash", "cli", 1, 2};
  EXPECT_EQ(ToJson(token).dump().find("secret-hash"), std::string::npos);
}

}  // namespace
}  // namespace datasync::app::views
