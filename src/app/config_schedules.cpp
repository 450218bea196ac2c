#include "app/config_parser.hpp"
#include "app/local_data.hpp"
#include "core/time_zone.hpp"
#include "sync/schedule.hpp"

namespace datasync::app {

void ConfigParser::ParseSchedule(const YAML::Node& n, const std::string& path, const datasource::Dataset* ds,
                                 sync::SyncPlan& plan) {
  sync::ScheduleSpec spec;
  if (n.IsMap()) {
    CheckKeys(n, path, {"cron", "timezone", "calendar", "exchange", "when", "n", "misfire", "deadline"});
    if (!n["cron"]) {
      Error(n.Mark(), path + ": missing required key 'cron' (e.g. cron: \"30 17 * * *\")");
      return;
    }
  } else if (!n.IsScalar()) {
    Error(n.Mark(), path + ": expected a cron expression or a mapping {cron, timezone, calendar, when, ...}");
    return;
  }
  // Initialised, never assigned: assigning a YAML::Node writes through to the node it refers to.
  const YAML::Node cron_node = n.IsMap() ? n["cron"] : n;
  auto cron = Str(cron_node, path + (n.IsMap() ? ".cron" : ""));
  if (!cron) return;
  spec.cron = std::string(core::Trim(*cron));
  if (spec.cron.empty()) return;  // an empty schedule: manual only
  if (auto parsed = sync::CronExpr::Parse(spec.cron); !parsed) {
    Error(cron_node.Mark(), path + ": " + parsed.error().message());
    return;
  }
  // The plan's vendor's day by default: Tushare's 17:30 is Shanghai's.
  const datasource::DataSource* src = ds ? config_.FindSource(ds->source) : nullptr;
  spec.timezone = src ? src->timezone : "UTC";
  bool ok = true;
  if (n.IsMap()) {
    if (auto v = n["timezone"]) {
      if (auto t = Str(v, path + ".timezone")) {
        spec.timezone = *t;
        if (auto tz = core::TimeZone::Load(*t); !tz) {
          Error(v.Mark(), path + ".timezone: " + tz.error().message());
          ok = false;
        }
      }
    }
    if (auto v = n["calendar"]) {
      if (auto c = Str(v, path + ".calendar")) {
        spec.calendar = *c;
        spec.when = sync::DayRule::kOpenDays;  // a calendar alone means "on its open days"
        calendar_marks_[plan.name] = v.Mark();
      }
    }
    if (auto v = n["exchange"]) {
      if (auto e = Str(v, path + ".exchange")) spec.exchange = *e;
    }
    if (auto v = n["when"]) {
      if (auto w = Str(v, path + ".when")) {
        auto rule = sync::ParseDayRule(*w);
        if (!rule) {
          Error(v.Mark(), path + ".when: " + Quote(*w) +
                              " is not allowed (allowed: every_day, open_days, "
                              "nth_trading_day)");
          ok = false;
        } else {
          spec.when = *rule;
          if (*rule != sync::DayRule::kEveryDay && spec.calendar.empty()) {
            Error(v.Mark(), path + ".when: " + Quote(*w) +
                                " needs 'calendar' (the dataset with the trading "
                                "calendar, e.g. calendar: trade_cal)");
            ok = false;
          }
        }
      }
    }
    if (auto v = n["n"]) {
      if (auto x = Int(v, path + ".n")) {
        spec.n = *x;
        if (*x == 0 || *x > 23 || *x < -23) {
          Error(v.Mark(), path + ".n: " + std::to_string(*x) +
                              " is out of range (1 to 23: the n-th trading day of "
                              "the month; -1 to -23: counted from its end)");
          ok = false;
        } else if (spec.when != sync::DayRule::kNthTradingDay) {
          Error(v.Mark(), path + ".n: only used with when: nth_trading_day");
          ok = false;
        }
      }
    }
    if (auto v = n["misfire"]) {
      if (auto m = Str(v, path + ".misfire")) {
        auto policy = sync::ParseMisfire(*m);
        if (!policy) {
          Error(v.Mark(), path + ".misfire: " + Quote(*m) + " is not allowed (allowed: skip, once, catch_up)");
          ok = false;
        } else {
          spec.misfire = *policy;
        }
      }
    }
    if (auto v = n["deadline"]) {
      if (auto d = Str(v, path + ".deadline")) {
        spec.deadline = *d;
        if (!sync::ParseClockTime(*d)) {
          Error(v.Mark(), path + ".deadline: " + Quote(*d) +
                              " is not a time of day (HH:MM, in the schedule's "
                              "time zone)");
          ok = false;
        }
      }
    }
  }
  if (!ok) return;
  if (auto compiled = sync::Schedule::Compile(spec); !compiled) {
    Error(n.Mark(), path + ": " + compiled.error().message());
    return;
  }
  plan.schedule = std::move(spec);
}

void ConfigParser::ParseVerifySchedule(const YAML::Node& n, const std::string& path, const datasource::Dataset* ds,
                                       sync::SyncPlan& plan) {
  if (n.IsMap()) {
    CheckKeys(n, path, {"cron", "timezone", "sample"});
    if (!n["cron"]) {
      Error(n.Mark(), path + ": missing required key 'cron' (e.g. cron: \"0 2 * * *\")");
      return;
    }
  } else if (!n.IsScalar()) {
    Error(n.Mark(), path + ": expected a cron expression or a mapping {cron, timezone, sample}");
    return;
  }
  const YAML::Node cron_node = n.IsMap() ? n["cron"] : n;
  auto cron = Str(cron_node, path + (n.IsMap() ? ".cron" : ""));
  if (!cron) return;
  sync::VerifySchedule v;
  v.cron = std::string(core::Trim(*cron));
  if (v.cron.empty()) return;
  if (auto parsed = sync::CronExpr::Parse(v.cron); !parsed) {
    Error(cron_node.Mark(), path + ": " + parsed.error().message());
    return;
  }
  const datasource::DataSource* src = ds ? config_.FindSource(ds->source) : nullptr;
  v.timezone = src ? src->timezone : "UTC";
  if (n.IsMap()) {
    if (auto t = n["timezone"]) {
      auto zone = Str(t, path + ".timezone");
      if (!zone) return;
      if (auto tz = core::TimeZone::Load(*zone); !tz) {
        Error(t.Mark(), path + ".timezone: " + tz.error().message());
        return;
      }
      v.timezone = *zone;
    }
    if (auto s = n["sample"]) {
      auto x = Int(s, path + ".sample");
      if (!x) return;
      if (*x < 1 || *x > 100000) {
        Error(s.Mark(), path + ".sample: " + std::to_string(*x) + " is out of range (1 to 100000 tasks)");
        return;
      }
      v.sample = *x;
    }
  }
  plan.verify = std::move(v);
}

// A calendar must be a dataset with a calendar mapping whose columns are its fields, that some plan syncs
// into a storage datasync can read back.
void ConfigParser::CheckSchedules() {
  for (const auto& p : config_.plans) {
    const std::string& cal = p.schedule.calendar;
    if (cal.empty()) continue;
    YAML::Mark mark = calendar_marks_[p.name];
    std::string where = "plans." + p.name + ".schedule.calendar: ";
    const datasource::Dataset* ds = config_.FindDataset(cal);
    if (!ds) {
      Error(mark, where + "unknown dataset " + Quote(cal) + " (defined: " + JoinNames(Names(config_.datasets)) + ")");
      continue;
    }
    auto mapping = CalendarOf(*ds);
    if (!mapping) {
      Error(mark, where + NotACalendar(cal));
      continue;
    }
    // A built-in mapping names the built-in fields, which the file may have replaced.
    std::vector<std::string> missing;
    for (const auto& f : {mapping->exchange, mapping->date, mapping->open}) {
      if (!ds->schema || !ds->schema->IndexOf(f)) missing.push_back(f);
    }
    if (!missing.empty()) {
      Error(mark, where + "dataset " + Quote(cal) + " has no field(s) " + JoinNames(missing) +
                      " that its calendar mapping reads; declare datasets." + cal +
                      ".calendar: {date, open, exchange} with its own columns");
      continue;
    }
    // The scheduler reads it where the trading_days argument source would.
    if (auto st = ResolveReadStorage(cal, "", config_.plans, config_.storages, sinks_); !st) {
      Error(mark, where + st.error().message());
    }
  }
}

}  // namespace datasync::app
