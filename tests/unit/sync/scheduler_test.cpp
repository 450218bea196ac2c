// The scheduler driven by a ManualClock through a simulated week on the real SQLite system database, with a
// trading calendar that has holidays, a failing upstream, a daemon that was down for two and a half days
// (misfire skip / once / catch_up), a deadline, and two daemons sharing one database.
#include "sync/scheduler.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>

#include "core/dates.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"

namespace datasync::sync {
namespace {

using namespace std::chrono_literals;

int32_t Day(const char* d) {
  return *core::ParseDate(d);
}
core::TimePoint Local(const std::string& shanghai) {  // "2026-09-28 17:30:00" in Asia/Shanghai
  return core::FromEpochMicros(*core::ParseTimestamp(shanghai) - int64_t{8} * 3600 * 1'000'000);
}
std::string LocalText(int64_t utc_us) {
  return core::FormatTimestamp(utc_us + int64_t{8} * 3600 * 1'000'000);
}

class FakeCalendar : public TradingCalendar {
 public:
  std::set<int32_t> holidays;
  bool unreadable = false;
  core::Result<std::map<int32_t, bool>> Days(const std::string&, const std::string&, int32_t first,
                                             int32_t last) override {
    if (unreadable) return core::Fail(core::ErrorKind::kTransient, "calendar storage is locked");
    std::map<int32_t, bool> out;
    for (int32_t d = first; d <= last; ++d) {
      uint32_t wd = core::Weekday(d);
      out[d] = wd != 0 && wd != 6 && !holidays.count(d);
    }
    return out;
  }
};

// Executes a slot at once, the way App::RunSlot does: the slot's existing run if there is one (resumed to
// the end), else a new run with the outcome the test scripts.
class FakeLauncher : public RunLauncher {
 public:
  FakeLauncher(RunStore& runs, const core::Clock& clock) : runs_(runs), clock_(clock) {}
  std::function<RunStatus(const std::string& plan, int64_t slot_us)> outcome = [](auto&, auto) {
    return RunStatus::kSucceeded;
  };
  std::vector<std::pair<std::string, int64_t>> launched;
  std::map<std::pair<std::string, int64_t>, int> runs_made;
  bool stuck = false;  // a crashed daemon: the run is made and left running, nothing is reported

  bool HasCapacity() override { return true; }
  bool Busy(const std::string&) override { return false; }
  std::vector<LaunchResult> Finished() override { return std::exchange(results_, {}); }

  void Launch(const ScheduleSlot& slot) override {
    launched.emplace_back(slot.plan, slot.slot_us);
    RunQuery q;
    q.plan = slot.plan;
    q.limit = 0;
    auto existing = runs_.ListRuns(q);
    ASSERT_TRUE(existing);
    for (auto r : *existing) {
      if (r.slot_us != slot.slot_us) continue;
      if (!IsFinal(r.status)) {
        r.status = outcome(slot.plan, slot.slot_us);
        ASSERT_TRUE(runs_.UpdateRun(r));
      }
      results_.push_back({slot.plan, slot.slot_us, r.id, "", false});
      return;
    }
    SyncRun run;
    run.plan = slot.plan;
    run.trigger = "schedule";
    run.slot_us = slot.slot_us;
    run.status = stuck ? RunStatus::kRunning : outcome(slot.plan, slot.slot_us);
    run.created_at_us = core::ToEpochMicros(clock_.Now());
    auto id = runs_.CreateRun(run);
    ASSERT_TRUE(id);
    runs_made[{slot.plan, slot.slot_us}]++;
    if (!stuck) results_.push_back({slot.plan, slot.slot_us, *id, "", false});
  }

 private:
  RunStore& runs_;
  const core::Clock& clock_;
  std::vector<LaunchResult> results_;
};

class TempFile {
 public:
  TempFile() {
    static int n = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("datasync-scheduler-test-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempFile() { std::filesystem::remove_all(path_); }
  std::string db() const { return (path_ / "system.db").string(); }

 private:
  std::filesystem::path path_;
};

ScheduledPlan Plan(const std::string& name, const std::string& cron, DayRule when = DayRule::kEveryDay, int64_t n = 1,
                   Misfire misfire = Misfire::kOnce, std::vector<std::string> deps = {},
                   const std::string& deadline = "") {
  if (cron.empty()) return ScheduledPlan{name, std::nullopt, std::move(deps), true};
  ScheduleSpec spec;
  spec.cron = cron;
  spec.timezone = "Asia/Shanghai";
  spec.when = when;
  spec.n = n;
  spec.calendar = when == DayRule::kEveryDay ? "" : "trade_cal";
  spec.misfire = misfire;
  spec.deadline = deadline;
  auto s = Schedule::Compile(spec);
  EXPECT_TRUE(s) << name << ": " << s.error().message();
  return ScheduledPlan{name, std::move(*s), std::move(deps), true};
}

struct Harness {
  TempFile dir;
  core::ManualClock clock{Local("2026-09-28 00:00:00")};
  std::unique_ptr<metadata::SystemDb> db;
  FakeCalendar calendar;
  std::unique_ptr<FakeLauncher> launcher;
  std::unique_ptr<Scheduler> scheduler;
  std::vector<SchedulerEvent> events;

  explicit Harness(const std::string& owner = "daemon-a") {
    auto opened = metadata::sqlite::OpenSqliteSystemDb(dir.db(), clock);
    EXPECT_TRUE(opened);
    db = std::move(*opened);
    launcher = std::make_unique<FakeLauncher>(db->runs(), clock);
    SchedulerOptions o;
    o.owner = owner;
    scheduler = std::make_unique<Scheduler>(SchedulerDeps{&db->slots(), &db->runs(), launcher.get(), &calendar}, o);
  }

  void TickUntil(const std::string& local_end, std::chrono::minutes step = 5min) {
    core::TimePoint end = Local(local_end);
    while (clock.Now() <= end) {
      auto ev = scheduler->Tick(clock.Now());
      ASSERT_TRUE(ev) << ev.error().message();
      events.insert(events.end(), ev->begin(), ev->end());
      clock.Advance(step);
    }
  }

  // plan -> "local time state" for every slot, in order.
  std::map<std::string, std::vector<std::string>> Slots() {
    auto slots = db->slots().List("", 0, 0);
    EXPECT_TRUE(slots);
    std::map<std::string, std::vector<std::string>> out;
    for (const auto& s : *slots) {
      std::string state(SlotStateName(s.state));
      if (s.state == SlotState::kDone) {
        auto run = db->runs().GetRun(s.run_id);
        EXPECT_TRUE(run && *run) << s.plan << " slot " << LocalText(s.slot_us) << " has no run";
        if (run && *run) state += " " + std::string(RunStatusName((*run)->status));
      }
      out[s.plan].push_back(LocalText(s.slot_us).substr(5, 11) + " " + state);
    }
    return out;
  }

  std::vector<std::string> Events(SchedulerEvent::Kind kind) {
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (e.kind == kind) out.push_back(e.plan + " " + LocalText(e.slot_us).substr(5, 11));
    }
    return out;
  }
};

TEST(SchedulerTest, ASimulatedWeekFiresExactlyTheExpectedRuns) {
  Harness h;
  // National Day: Thursday 1 and Friday 2 October are closed, then the weekend; Monday 5 opens again.
  h.calendar.holidays = {Day("2026-10-01"), Day("2026-10-02")};
  std::set<std::string> failing = {"09-29 17:00", "09-30 17:00"};  // the calendar plan fails on two days
  h.launcher->outcome = [&](const std::string& plan, int64_t slot_us) {
    return plan == "cal" && failing.count(LocalText(slot_us).substr(5, 11)) ? RunStatus::kFailed
                                                                            : RunStatus::kSucceeded;
  };
  h.scheduler->SetPlans({
      Plan("cal", "0 17 * * *"),
      Plan("bars", "30 17 * * *", DayRule::kOpenDays, 1, Misfire::kOnce, {"cal"}, "20:00"),
      Plan("month_end", "0 18 * * *", DayRule::kNthTradingDay, -1),
      Plan("month_start", "0 18 * * *", DayRule::kNthTradingDay, 1),
      Plan("catchup", "0 12 * * *", DayRule::kEveryDay, 1, Misfire::kCatchUp),
      Plan("skipper", "0 6 * * *", DayRule::kEveryDay, 1, Misfire::kSkip),
      Plan("manual_only", ""),
  });
  h.TickUntil("2026-09-29 18:55:00");
  // The upstream failed on the 29th: bars is held, and says why.
  auto held = h.db->slots().Get("bars", core::ToEpochMicros(Local("2026-09-29 17:30:00")));
  ASSERT_TRUE(held && *held);
  EXPECT_EQ((*held)->state, SlotState::kHeld);
  EXPECT_NE((*held)->note.find("upstream plan 'cal' did not succeed"), std::string::npos) << (*held)->note;
  // Someone retries cal's run successfully: bars continues.
  auto cal_slot = h.db->slots().Get("cal", core::ToEpochMicros(Local("2026-09-29 17:00:00")));
  ASSERT_TRUE(cal_slot && *cal_slot);
  auto cal_run = h.db->runs().GetRun((*cal_slot)->run_id);
  ASSERT_TRUE(cal_run && *cal_run);
  (*cal_run)->status = RunStatus::kSucceeded;
  ASSERT_TRUE(h.db->runs().UpdateRun(**cal_run));
  // Through Wednesday 30 (cal fails again, nobody retries), then the daemon is down from Thursday 00:00
  // until Saturday 12:00.
  h.TickUntil("2026-09-30 23:55:00");
  h.clock.Set(Local("2026-10-03 12:00:00"));
  h.TickUntil("2026-10-06 00:00:00");

  auto slots = h.Slots();
  EXPECT_EQ(slots["cal"], (std::vector<std::string>{"09-28 17:00 done succeeded", "09-29 17:00 done succeeded",
                                                    "09-30 17:00 done failed",
                                                    // misfire once: one run for 1 and 2 October, at the latest of them
                                                    "10-02 17:00 done succeeded", "10-03 17:00 done succeeded",
                                                    "10-04 17:00 done succeeded", "10-05 17:00 done succeeded"}));
  EXPECT_EQ(slots["bars"], (std::vector<std::string>{"09-28 17:30 done succeeded", "09-29 17:30 done succeeded",
                                                     "09-30 17:30 missed", "10-05 17:30 done succeeded"}));
  EXPECT_EQ(slots["month_end"], (std::vector<std::string>{"09-30 18:00 done succeeded"}));
  EXPECT_EQ(slots["month_start"], (std::vector<std::string>{"10-05 18:00 done succeeded"}));
  EXPECT_EQ(slots["catchup"], (std::vector<std::string>{"09-28 12:00 done succeeded", "09-29 12:00 done succeeded",
                                                        "09-30 12:00 done succeeded", "10-01 12:00 done succeeded",
                                                        "10-02 12:00 done succeeded", "10-03 12:00 done succeeded",
                                                        "10-04 12:00 done succeeded", "10-05 12:00 done succeeded"}));
  EXPECT_EQ(slots["skipper"], (std::vector<std::string>{"09-28 06:00 done succeeded", "09-29 06:00 done succeeded",
                                                        "09-30 06:00 done succeeded", "10-03 06:00 missed",
                                                        "10-04 06:00 done succeeded", "10-05 06:00 done succeeded"}));
  EXPECT_EQ(slots.count("manual_only"), 0u);

  auto skipped = h.db->slots().Get("skipper", core::ToEpochMicros(Local("2026-10-03 06:00:00")));
  ASSERT_TRUE(skipped && *skipped);
  EXPECT_NE((*skipped)->note.find("3 slot(s) not fired on time (misfire: skip)"), std::string::npos);
  auto once = h.db->slots().Get("cal", core::ToEpochMicros(Local("2026-10-02 17:00:00")));
  ASSERT_TRUE(once && *once);
  EXPECT_NE((*once)->note.find("2 slot(s) not fired on time (misfire: once)"), std::string::npos) << (*once)->note;

  // Every run was made once, and the catch-up runs ran in slot order.
  for (const auto& [key, n] : h.launcher->runs_made) EXPECT_EQ(n, 1) << key.first << " " << key.second;
  std::vector<int64_t> catchup_order;
  for (const auto& [plan, slot] : h.launcher->launched) {
    if (plan == "catchup") catchup_order.push_back(slot);
  }
  EXPECT_TRUE(std::is_sorted(catchup_order.begin(), catchup_order.end()));
  EXPECT_EQ(catchup_order.size(), 8u);

  EXPECT_EQ(h.Events(SchedulerEvent::Kind::kHeld), (std::vector<std::string>{"bars 09-29 17:30", "bars 09-30 17:30"}));
  EXPECT_EQ(h.Events(SchedulerEvent::Kind::kReleased), (std::vector<std::string>{"bars 09-29 17:30"}));
  // The deadline of 20:00 passed only for the slot that never got a successful run.
  EXPECT_EQ(h.Events(SchedulerEvent::Kind::kLate), (std::vector<std::string>{"bars 09-30 17:30"}));
}

// Two daemons on one system database file, each with its own connection, launcher and owner name.
struct TwoDaemons {
  TempFile dir;
  core::ManualClock clock;
  std::unique_ptr<metadata::SystemDb> db_a, db_b;
  std::unique_ptr<FakeLauncher> la, lb;
  std::unique_ptr<Scheduler> a, b;

  TwoDaemons(const std::string& local_start, std::chrono::seconds lease, const std::vector<ScheduledPlan>& plans)
      : clock(Local(local_start)) {
    auto opened_a = metadata::sqlite::OpenSqliteSystemDb(dir.db(), clock);
    auto opened_b = metadata::sqlite::OpenSqliteSystemDb(dir.db(), clock);
    EXPECT_TRUE(opened_a && opened_b);
    db_a = std::move(*opened_a);
    db_b = std::move(*opened_b);
    la = std::make_unique<FakeLauncher>(db_a->runs(), clock);
    lb = std::make_unique<FakeLauncher>(db_b->runs(), clock);
    SchedulerOptions oa, ob;
    oa.owner = "a@host";
    ob.owner = "b@host";
    oa.lease = ob.lease = lease;
    a = std::make_unique<Scheduler>(SchedulerDeps{&db_a->slots(), &db_a->runs(), la.get(), nullptr}, oa);
    b = std::make_unique<Scheduler>(SchedulerDeps{&db_b->slots(), &db_b->runs(), lb.get(), nullptr}, ob);
    a->SetPlans(plans);
    b->SetPlans(plans);
  }
};

TEST(SchedulerTest, TwoDaemonsOnOneDatabaseRunEachSlotOnce) {
  // Real daemons tick ten times a second, far within the lease; steps of 5 minutes model that with a lease
  // longer than a step (the takeover test below covers a daemon that stops).
  TwoDaemons d("2026-11-23 00:00:00", 10min,
               {Plan("hourly", "0 * * * *"),
                Plan("quarter", "*/15 * * * *", DayRule::kEveryDay, 1, Misfire::kOnce, {"hourly"})});
  for (int i = 0; d.clock.Now() < Local("2026-11-24 00:00:00"); ++i) {
    // Whoever ticks first wins the slots of that moment; alternate so that both win some.
    Scheduler& first = i % 2 ? *d.a : *d.b;
    Scheduler& second = i % 2 ? *d.b : *d.a;
    ASSERT_TRUE(first.Tick(d.clock.Now()));
    ASSERT_TRUE(second.Tick(d.clock.Now()));
    d.clock.Advance(5min);
  }
  d.clock.Set(Local("2026-11-23 23:56:00"));  // before the next fire time: both see the last runs finish
  ASSERT_TRUE(d.a->Tick(d.clock.Now()));
  ASSERT_TRUE(d.b->Tick(d.clock.Now()));
  auto slots = d.db_a->slots().List("", 0, 0);
  ASSERT_TRUE(slots);
  RunQuery q;
  q.limit = 0;
  auto runs = d.db_a->runs().ListRuns(q);
  ASSERT_TRUE(runs);
  std::map<std::pair<std::string, int64_t>, int> runs_per_slot;
  for (const auto& r : *runs) runs_per_slot[{r.plan, r.slot_us}]++;
  // 23 hourly and 95 quarter-hourly slots after the first tick at midnight, one run each.
  EXPECT_EQ(slots->size(), 23u + 95u);
  EXPECT_EQ(runs->size(), slots->size());
  for (const auto& s : *slots) {
    EXPECT_EQ(s.state, SlotState::kDone) << s.plan << " " << LocalText(s.slot_us);
    EXPECT_EQ((runs_per_slot[{s.plan, s.slot_us}]), 1) << s.plan << " " << LocalText(s.slot_us);
  }
  EXPECT_GT(d.la->launched.size(), 10u);
  EXPECT_GT(d.lb->launched.size(), 10u);
  EXPECT_EQ(d.la->launched.size() + d.lb->launched.size(), slots->size());
}

TEST(SchedulerTest, ADaemonThatStoppedIsTakenOverAndItsRunContinuedNotRepeated) {
  TwoDaemons d("2026-11-23 16:00:00", 30s, {Plan("daily", "30 17 * * *")});
  d.la->stuck = true;  // a is killed -9 while its run executes
  ASSERT_TRUE(d.a->Tick(d.clock.Now()));
  ASSERT_TRUE(d.b->Tick(d.clock.Now()));
  d.clock.Set(Local("2026-11-23 17:30:00"));
  ASSERT_TRUE(d.a->Tick(d.clock.Now()));  // a fires and starts the slot, then dies
  int64_t slot_us = core::ToEpochMicros(Local("2026-11-23 17:30:00"));
  ASSERT_EQ(d.la->launched.size(), 1u);
  // b sees a's slot as alive until a's heartbeat is older than the lease.
  d.clock.Advance(10s);
  ASSERT_TRUE(d.b->Tick(d.clock.Now()));
  EXPECT_TRUE(d.lb->launched.empty());
  d.clock.Advance(40s);
  auto later = d.b->Tick(d.clock.Now());
  ASSERT_TRUE(later);
  ASSERT_EQ(d.lb->launched.size(), 1u);
  EXPECT_EQ(d.lb->launched[0].second, slot_us);
  bool taken = std::any_of(later->begin(), later->end(),
                           [](const auto& e) { return e.kind == SchedulerEvent::Kind::kTakenOver; });
  EXPECT_TRUE(taken);
  d.clock.Advance(1min);
  ASSERT_TRUE(d.b->Tick(d.clock.Now()));
  auto slot = d.db_b->slots().Get("daily", slot_us);
  ASSERT_TRUE(slot && *slot);
  EXPECT_EQ((*slot)->state, SlotState::kDone);
  EXPECT_EQ((*slot)->owner, "b@host");
  RunQuery q;
  q.limit = 0;
  auto runs = d.db_b->runs().ListRuns(q);
  ASSERT_TRUE(runs);
  ASSERT_EQ(runs->size(), 1u);  // the run a made was continued, not made again
  EXPECT_EQ(runs->front().status, RunStatus::kSucceeded);
  EXPECT_EQ((*slot)->run_id, runs->front().id);
}

TEST(SchedulerTest, AReleasedSlotIsTakenAtOnce) {
  TwoDaemons d("2026-11-23 16:00:00", 30s, {Plan("daily", "30 17 * * *")});
  d.la->stuck = true;
  ASSERT_TRUE(d.a->Tick(d.clock.Now()));
  ASSERT_TRUE(d.b->Tick(d.clock.Now()));
  d.clock.Set(Local("2026-11-23 17:30:00"));
  ASSERT_TRUE(d.a->Tick(d.clock.Now()));
  ASSERT_TRUE(d.a->Release());  // a graceful shutdown
  d.clock.Advance(1s);
  ASSERT_TRUE(d.b->Tick(d.clock.Now()));
  EXPECT_EQ(d.lb->launched.size(), 1u);
}

TEST(SchedulerTest, AnUnreadableCalendarHoldsBackOnlyItsPlans) {
  Harness h;
  h.scheduler->SetPlans({Plan("bars", "30 17 * * *", DayRule::kOpenDays), Plan("hourly", "0 * * * *")});
  h.TickUntil("2026-09-28 16:55:00");
  h.calendar.unreadable = true;
  h.TickUntil("2026-09-28 17:45:00");
  auto errors = h.Events(SchedulerEvent::Kind::kError);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors.front().substr(0, 5), "bars ");
  EXPECT_EQ(h.Slots()["hourly"].size(), 17u);  // 01:00 .. 17:00: the other plan fired on time
  EXPECT_TRUE(h.Slots()["bars"].empty());
  // Readable again after the slot's time: the slot runs once, by its misfire policy.
  h.calendar.unreadable = false;
  h.TickUntil("2026-09-28 18:00:00");
  EXPECT_EQ(h.Slots()["bars"], std::vector<std::string>{"09-28 17:30 done succeeded"});
  auto slot = h.db->slots().Get("bars", core::ToEpochMicros(Local("2026-09-28 17:30:00")));
  ASSERT_TRUE(slot && *slot);
  EXPECT_NE((*slot)->note.find("1 slot(s) not fired on time (misfire: once)"), std::string::npos) << (*slot)->note;
}

}  // namespace
}  // namespace datasync::sync
