#include <algorithm>
#include <cctype>
#include <functional>
#include <set>

#include "app/config_parser.hpp"
#include "app/config_sections.hpp"
#include "app/local_data.hpp"
#include "core/strings.hpp"
#include "generation/argument_generator.hpp"
#include "generation/value_sources.hpp"

namespace datasync::app {

const datasource::Dataset* ConfigParser::FindAnyDataset(std::string_view name) const {
  if (const auto* d = config_.FindDataset(name)) return d;
  for (const auto& d : imported_) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

std::vector<std::string> ConfigParser::AllDatasetNames() const {
  std::vector<std::string> names;
  for (const auto& d : config_.datasets) names.push_back(d.name);
  for (const auto& d : imported_) {
    if (!config_.FindDataset(d.name)) names.push_back(d.name + " (imported)");
  }
  if (names.empty()) names.push_back("none");
  return names;
}

// What a plan's composed sources send, read and derive, checked against its dataset and the catalog.
// `mark_of(name)` is where a name is defined; `where_of(name)` names that place in messages.
void ConfigParser::CheckPlanSources(const sync::SyncPlan& plan, const datasource::Dataset* ds,
                                    const YAML::Mark& plan_mark, const std::vector<generation::ParamSource>& sources,
                                    const std::function<YAML::Mark(const std::string&)>& mark_of,
                                    const std::function<std::string(const std::string&)>& where_of) {
  std::string path = "plans." + plan.name;
  generation::SourceUse use = generation::InspectSources(sources);
  std::set<std::string> seen;
  for (const auto& name : use.defined) {
    if (!seen.insert(name).second) {
      Error(mark_of(name),
            where_of(name) + ": " + Quote(name) + " is defined twice (a window or group defines it too)");
    }
  }
  if (ds && !ds->params.empty()) {
    std::vector<std::string> allowed;
    for (const auto& rp : ds->params) allowed.push_back(rp.name);
    for (const auto& name : use.sent) {
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        Error(mark_of(name), where_of(name) + ": dataset " + Quote(ds->name) + " has no request parameter " +
                                 Quote(name) + " (allowed: " + JoinNames(allowed) +
                                 "; names starting with _ are variables that are not sent)");
      }
    }
  }
  if (ds) {
    for (const auto& rp : ds->params) {
      if (rp.required && std::find(use.sent.begin(), use.sent.end(), rp.name) == use.sent.end()) {
        Error(plan_mark, path + ": dataset " + Quote(ds->name) + " requires parameter " + Quote(rp.name) +
                             " (add it under params)");
      }
    }
  }
  for (const auto& s : sources) {
    if (s.kind != generation::ParamSource::Kind::kFormat) continue;
    auto t = generation::TextTemplate::Parse(s.text, generation::Escape::kNone);
    if (!t) continue;  // reported where it was parsed
    for (const auto& ref : t->names()) {
      if (std::find(use.defined.begin(), use.defined.end(), ref) == use.defined.end()) {
        Error(mark_of(s.name), where_of(s.name) + "." + s.name + ": format uses {{" + ref +
                                   "}}, which no parameter or _variable of this plan defines");
      }
    }
  }
  std::function<void(const generation::ParamSource&, const std::string&)> reads = [&](const generation::ParamSource& s,
                                                                                      const std::string& top) {
    for (const auto& c : s.children) reads(c, top);
    if (s.dataset.empty()) return;
    std::string where = where_of(top) + "." + top;
    const datasource::Dataset* rd = FindAnyDataset(s.dataset);
    if (!rd) {
      Error(mark_of(top),
            where + ": unknown dataset " + Quote(s.dataset) + " (defined: " + JoinNames(AllDatasetNames()) + ")");
      return;
    }
    std::vector<std::string> columns = {s.column};
    for (const auto& [k, v] : s.where) columns.push_back(k);
    for (const auto& c : columns) {
      if (rd->schema && !rd->schema->IndexOf(c)) {
        Error(mark_of(top), where + ": dataset " + Quote(rd->name) + " has no field " + Quote(c) +
                                " (fields: " + JoinNames(rd->schema->Names()) + ")");
      }
    }
    reads_.push_back({plan.name, s.dataset, s.storage, mark_of(top), where});
  };
  for (const auto& s : sources) reads(s, s.name);
  if (use.uses_checkpoint && ds) {
    YAML::Mark at = plan_mark;
    for (const auto& s : sources) {
      if (s.kind == generation::ParamSource::Kind::kSinceCheckpoint) at = mark_of(s.name);
    }
    if (ds->date_key.empty()) {
      Error(at, path + ": since_checkpoint needs dataset " + Quote(ds->name) +
                    " to have a date_key (the column whose newest value is the checkpoint)");
    } else if (auto st = CheckpointStorage(plan, config_.storages, sinks_); !st) {
      Error(at, path + ": " + st.error().message());
    }
  }
}

void ConfigParser::CheckBindings(const sync::SyncPlan& plan, const datasource::Dataset& ds, const YAML::Mark& at) {
  for (const auto& name : plan.storages) {
    const storage::Storage* st = config_.FindStorage(name);
    if (!st || unchecked_storages_.contains(name)) continue;
    const storage::SinkInfo* info = sinks_.Find(st->kind);
    if (info && plan.mode == storage::WriteMode::kHistory && !info->create()->capabilities().history) {
      Error(at, "plans." + plan.name + ".storages: storage " + Quote(name) + " (" + st->kind +
                    ") cannot keep history; history: true needs sqlite, postgres, mysql, clickhouse or parquet storages");
      continue;
    }
    if (!info || !info->validate_binding) continue;
    storage::BindContext ctx;
    ctx.storage_name = name;
    ctx.dataset = ds.name;
    ctx.schema = ds.schema;
    ctx.primary_key = ds.primary_key;
    ctx.date_key = ds.date_key;
    ctx.mode = plan.mode;
    ctx.options = st->options;
    ctx.project_dir = config_.project_dir;
    if (auto bound = info->validate_binding(ctx); !bound) {
      Error(at, "plans." + plan.name + ".storages: storage " + Quote(name) + " cannot take dataset " + Quote(ds.name) +
                    ": " + bound.error().message());
    }
  }
}

void ConfigParser::ParsePlan(const YAML::Node& key, const YAML::Node& n) {
  std::string name = key.Scalar();
  std::string path = "plans." + name;
  if (!RequireMap(n, path)) return;
  CheckKeys(n, path, SectionKeyNames(metadata::ObjectKind::kPlan));
  sync::SyncPlan plan;
  plan.name = name;
  auto ds_node = n["dataset"];
  const datasource::Dataset* ds = nullptr;
  if (!ds_node) {
    Error(key.Mark(), path + ": missing required key 'dataset'");
  } else if (auto s = Str(ds_node, path + ".dataset")) {
    ds = FindAnyDataset(*s);
    if (!ds) {
      Error(ds_node.Mark(),
            path + ".dataset: unknown dataset " + Quote(*s) + " (defined: " + JoinNames(AllDatasetNames()) + ")");
    }
    plan.dataset = *s;
  }
  auto st_node = n["storages"];
  if (!st_node) {
    Error(key.Mark(), path + ": missing required key 'storages' (names of entries under storages)");
  } else if (auto list = StrList(st_node, path + ".storages")) {
    if (list->empty()) Error(st_node.Mark(), path + ".storages: a plan needs at least one storage");
    std::set<std::string> seen;
    for (const auto& s : *list) {
      if (!config_.FindStorage(s)) {
        Error(st_node.Mark(), path + ".storages: unknown storage " + Quote(s) +
                                  " (defined: " + JoinNames(Names(config_.storages)) + ")");
      } else if (!seen.insert(s).second) {
        Error(st_node.Mark(), path + ".storages: " + Quote(s) + " is listed twice");
      }
    }
    plan.storages = *list;
  }
  if (auto m = n["mode"]) {
    if (auto s = Str(m, path + ".mode")) {
      auto mode = storage::ParseWriteMode(*s);
      if (!mode)
        Error(m.Mark(), path + ".mode: " + Quote(*s) + " is not allowed (allowed: append, upsert, replace)");
      else
        plan.mode = *mode;  // "history" is what `history: true` exports as
    }
  }
  if (auto h = n["history"]) {
    auto on = Bool(h, path + ".history");
    if (on && *on) {
      if (plan.mode != storage::WriteMode::kUpsert && plan.mode != storage::WriteMode::kHistory) {
        Error(h.Mark(), path + ".history: history keeps versions of rows by key, so it cannot go with mode " +
                            std::string(storage::WriteModeName(plan.mode)) + " (remove mode, or history)");
      } else {
        plan.mode = storage::WriteMode::kHistory;
      }
    } else if (on && plan.mode == storage::WriteMode::kHistory) {
      Error(h.Mark(), path + ".history: false contradicts mode: history");
    }
  }
  if (ds && plan.mode == storage::WriteMode::kHistory && ds->primary_key.empty()) {
    Error(n["history"] ? n["history"].Mark() : key.Mark(),
          path + ": history: true needs a primary key to tell the versions of one row apart; dataset " +
              Quote(ds->name) + " has none (set datasets." + ds->name + ".primary_key)");
  }
  if (ds && plan.mode == storage::WriteMode::kUpsert && ds->primary_key.empty()) {
    Error(n["mode"] ? n["mode"].Mark() : key.Mark(), path + ": mode upsert needs a primary key; dataset " +
                                                         Quote(ds->name) + " has none (set datasets." + ds->name +
                                                         ".primary_key, or use mode: append)");
  }
  // A dataset without fields yet (waiting for `dataset import`) has nothing to check a storage against.
  if (ds && ds->schema && ds->schema->size() > 0 && st_node) CheckBindings(plan, *ds, st_node.Mark());
  std::map<std::string, YAML::Mark> marks;
  if (auto p = n["params"]) ParseSourcesBlock(p, path + ".params", plan.args.params, marks);
  const generation::Template* tmpl = nullptr;
  YAML::Mark tmpl_mark = key.Mark();
  if (auto t = n["template"]) {
    tmpl_mark = t.Mark();
    if (auto s = Str(t, path + ".template")) {
      plan.args.template_name = *s;
      tmpl = config_.FindTemplate(*s);
      if (!tmpl) {
        Error(t.Mark(), path + ".template: unknown template " + Quote(*s) +
                            " (defined: " + JoinNames(Names(config_.templates)) + ")");
      }
    }
  }
  if (plan.args.template_name.empty() || tmpl) {
    auto mark_of = [&](const std::string& pname) {
      auto it = marks.find(pname);
      if (it != marks.end()) return it->second;
      if (tmpl) {
        const auto& tm = template_marks_[tmpl->name];
        if (auto t = tm.find(pname); t != tm.end()) return t->second;
      }
      return tmpl_mark;
    };
    auto where_of = [&](const std::string& pname) {
      if (marks.count(pname) || !tmpl) return path + ".params";
      return "templates." + tmpl->name + ".params (used by " + path + ")";
    };
    CheckPlanSources(plan, ds, key.Mark(), generation::ComposeSources(tmpl, plan.args.params), mark_of, where_of);
  }
  if (auto r = n["retry"]) {
    std::string rpath = path + ".retry";
    if (RequireMap(r, rpath)) {
      CheckKeys(r, rpath, {"max_attempts", "initial_backoff_ms", "max_backoff_ms"});
      if (auto v = r["max_attempts"]) {
        if (auto x = PositiveInt(v, rpath + ".max_attempts", 100)) plan.retry.max_attempts = *x;
      }
      if (auto v = r["initial_backoff_ms"]) {
        if (auto x = PositiveInt(v, rpath + ".initial_backoff_ms", 3'600'000)) plan.retry.initial_backoff_ms = *x;
      }
      if (auto v = r["max_backoff_ms"]) {
        if (auto x = PositiveInt(v, rpath + ".max_backoff_ms", 86'400'000)) plan.retry.max_backoff_ms = *x;
      }
    }
  }
  if (auto v = n["concurrency"]) {
    if (v.IsScalar() && core::ToLower(v.Scalar()) == "adaptive") {
      plan.concurrency = 0;
    } else if (v.IsScalar() && !v.Scalar().empty() && !std::isdigit(static_cast<unsigned char>(v.Scalar()[0])) &&
               v.Scalar()[0] != '-') {
      Error(v.Mark(), path + ".concurrency: " + Quote(v.Scalar()) +
                          " is not allowed (allowed: adaptive, or a number of calls in flight from 1 to 256)");
    } else if (auto x = PositiveInt(v, path + ".concurrency", 256)) {
      plan.concurrency = *x;
    }
  }
  if (auto v = n["max_concurrency"]) {
    if (auto x = PositiveInt(v, path + ".max_concurrency", 256)) plan.max_concurrency = *x;
    if (plan.concurrency > 0) {
      Error(v.Mark(), path +
                          ".max_concurrency: only an adaptive concurrency has a maximum; remove it, or remove "
                          "'concurrency: " +
                          std::to_string(plan.concurrency) + "' to let datasync find the level");
    }
  }
  if (auto v = n["max_wait_secs"]) {
    if (auto x = PositiveInt(v, path + ".max_wait_secs", 7 * 86400)) plan.max_wait_secs = *x;
  }
  if (auto v = n["schedule"]) ParseSchedule(v, path + ".schedule", ds, plan);
  if (auto v = n["verify"]) ParseVerifySchedule(v, path + ".verify", ds, plan);
  if (auto v = n["depends_on"]) {
    if (auto l = StrList(v, path + ".depends_on")) {
      plan.depends_on = *l;
      depends_marks_[name] = v.Mark();
    }
  }
  if (auto v = n["enabled"]) {
    if (auto b = Bool(v, path + ".enabled")) plan.enabled = *b;
  }
  config_.plans.push_back(std::move(plan));
}

// A plan that reads another dataset depends on the plans that sync it; reading needs a storage that
// holds the dataset and that datasync can read back.
void ConfigParser::DeriveDependencies() {
  for (const auto& r : reads_) {
    sync::SyncPlan* p = nullptr;
    for (auto& x : config_.plans) {
      if (x.name == r.plan) p = &x;
    }
    if (!p) continue;
    auto storage = ResolveReadStorage(r.dataset, r.storage, config_.plans, config_.storages, sinks_);
    if (!storage) {
      Error(r.mark, r.where + ": reads dataset " + Quote(r.dataset) + ": " + storage.error().message());
      continue;
    }
    for (const auto& w : config_.plans) {
      if (w.dataset != r.dataset || w.name == p->name) continue;
      if (std::find(p->depends_on.begin(), p->depends_on.end(), w.name) == p->depends_on.end()) {
        p->depends_on.push_back(w.name);
      }
      depends_marks_.emplace(p->name, r.mark);
    }
  }
}

void ConfigParser::CheckDependencies() {
  for (const auto& p : config_.plans) {
    for (const auto& d : p.depends_on) {
      if (!config_.FindPlan(d)) {
        Error(depends_marks_[p.name], "plans." + p.name + ".depends_on: unknown plan " + Quote(d) +
                                          " (defined: " + JoinNames(Names(config_.plans)) + ")");
      }
    }
  }
  // Cycles: depth-first search with colours.
  std::map<std::string, int> colour;
  std::vector<std::string> stack;
  std::function<bool(const std::string&)> visit = [&](const std::string& name) -> bool {
    colour[name] = 1;
    stack.push_back(name);
    const sync::SyncPlan* p = config_.FindPlan(name);
    for (const auto& d : p ? p->depends_on : std::vector<std::string>{}) {
      if (!config_.FindPlan(d)) continue;
      if (colour[d] == 1) {
        auto from = std::find(stack.begin(), stack.end(), d);
        std::vector<std::string> cycle(from, stack.end());
        cycle.push_back(d);
        Error(depends_marks_[name], "plans." + name + ".depends_on: dependency cycle " + core::Join(cycle, " -> "));
        return true;
      }
      if (colour[d] == 0 && visit(d)) return true;
    }
    stack.pop_back();
    colour[name] = 2;
    return false;
  };
  for (const auto& p : config_.plans) {
    if (colour[p.name] == 0 && visit(p.name)) break;
  }
}

}  // namespace datasync::app
