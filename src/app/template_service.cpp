#include "app/template_service.hpp"

#include <algorithm>

#include "app/local_data.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"
#include "generation/argument_generator.hpp"

namespace datasync::app {

using core::ErrorKind;
using core::Fail;
using Kind = generation::ParamSource::Kind;

namespace {

core::Result<Config> CurrentConfig(App& app) {
  ConfigResult cfg = app.LoadConfig();
  if (!cfg.ok()) return Fail(ErrorKind::kConfig, FormatIssues(cfg.issues));
  return std::move(*cfg.config);
}

std::string Where(const generation::ParamSource& s) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : s.where) parts.push_back(k + "=" + v);
  std::string out = parts.empty() ? "" : " (" + core::Join(parts, ", ") + ")";
  if (!s.storage.empty()) out += " in storage " + s.storage;
  return out;
}

}  // namespace

std::string DescribeSource(const generation::ParamSource& s) {
  std::string head = s.name + ": ";
  std::string range = s.start + ".." + (s.end.empty() ? "today" : s.end);
  std::string fmt = s.format == "YYYYMMDD" ? "" : ", as " + s.format;
  switch (s.kind) {
    case Kind::kConstant: return head + (s.values.empty() ? "" : s.values[0]);
    case Kind::kList: return head + "[" + core::Join(s.values, ", ") + "]";
    case Kind::kDateRange:
      return head + "dates " + range + " every " + s.step + (s.weekdays_only ? " (weekdays)" : "") + fmt;
    case Kind::kTradingDays:
      return head + "trading days of " + s.dataset + Where(s) + ", " + range +
             (s.step == "day" ? "" : ", the " + s.pick + " of each " + s.step) + fmt;
    case Kind::kColumn: return head + "values of " + s.dataset + "." + s.column + Where(s);
    case Kind::kWindows:
      return "[" + core::Join(s.columns, ", ") + "]: windows of " +
             (s.window_days > 0 ? std::to_string(s.window_days) + " days"
                                : std::to_string(s.window_months) + " months") +
             " over " + range + fmt;
    case Kind::kSinceCheckpoint:
      return head + (s.dataset.empty() ? "dates" : "trading days of " + s.dataset + Where(s)) +
             " after the checkpoint" + (s.lookback > 0 ? " minus " + std::to_string(s.lookback) : "") + ", up to " +
             (s.end.empty() ? "today" : s.end) + (s.initial.empty() ? "" : " (from " + s.initial + " at first)") + fmt;
    case Kind::kNow:
      return head + (s.unit == "day" ? "today" : "now") +
             (s.offset != 0 ? (s.offset > 0 ? "+" : "") + std::to_string(s.offset) + " " + s.unit : "") + ", as " +
             s.format;
    case Kind::kFormat: return head + "format \"" + s.text + "\"";
    case Kind::kProduct:
    case Kind::kZip: {
      std::vector<std::string> parts;
      for (const auto& c : s.children) parts.push_back(DescribeSource(c));
      return s.name + ": " + (s.kind == Kind::kZip ? "zip" : "product") + " of {" + core::Join(parts, "; ") + "}";
    }
  }
  return head;
}

core::Result<std::vector<TemplateInfo>> ListTemplates(App& app) {
  auto cfg = CurrentConfig(app);
  if (!cfg) return Fail(cfg.error());
  std::vector<TemplateInfo> out;
  for (const auto& t : cfg->templates) {
    TemplateInfo info;
    info.tmpl = t;
    generation::SourceUse use = generation::InspectSources(t.params);
    info.sent = use.sent;
    for (const auto& [d, st] : use.reads) {
      if (std::find(info.reads.begin(), info.reads.end(), d) == info.reads.end()) info.reads.push_back(d);
    }
    for (const auto& p : cfg->plans) {
      if (p.args.template_name == t.name) info.used_by.push_back(p.name);
    }
    out.push_back(std::move(info));
  }
  return out;
}

core::Result<ArgumentTest> TestArguments(App& app, const std::string& template_name, const std::string& plan_name,
                                         size_t limit) {
  auto cfg = CurrentConfig(app);
  if (!cfg) return Fail(cfg.error());
  return TestArguments(app, *cfg, template_name, plan_name, limit);
}

namespace {

// The argument sets of a template and/or plan, in order, each handed to `visit` until it returns false.
core::Result<ArgumentTest> VisitArguments(App& app, const Config& config, const std::string& template_name,
                                          const std::string& plan_name,
                                          const std::function<bool(const datasource::Params&)>& visit) {
  const Config* cfg = &config;
  const generation::Template* tmpl = nullptr;
  if (!template_name.empty()) {
    tmpl = cfg->FindTemplate(template_name);
    if (!tmpl) {
      std::vector<std::string> names;
      for (const auto& t : cfg->templates) names.push_back(t.name);
      return Fail(ErrorKind::kNotFound, "unknown template '" + template_name + "' (defined: " +
                                            (names.empty() ? std::string("none") : core::Join(names, ", ")) + ")");
    }
  }
  const sync::SyncPlan* plan = nullptr;
  const datasource::Dataset* dataset = nullptr;
  std::vector<datasource::Dataset> catalog;  // imported datasets are in the system database only
  if (!plan_name.empty()) {
    plan = cfg->FindPlan(plan_name);
    if (!plan) return Fail(ErrorKind::kNotFound, "unknown plan '" + plan_name + "'");
    if (!tmpl && !plan->args.template_name.empty()) tmpl = cfg->FindTemplate(plan->args.template_name);
    dataset = cfg->FindDataset(plan->dataset);
    if (!dataset) {
      auto all = app.Datasets();
      if (!all) return Fail(all.error());
      catalog = std::move(*all);
      for (const auto& d : catalog) {
        if (d.name == plan->dataset) dataset = &d;
      }
    }
  }
  if (!tmpl && !plan) return Fail(ErrorKind::kConfig, "name a template, or a plan with --plan");
  std::vector<generation::ParamSource> sources =
      generation::ComposeSources(tmpl, plan ? plan->args.params : std::vector<generation::ParamSource>{});

  // "today" is the vendor's date: the plan's source's time zone, else the first source's.
  std::string zone = "UTC";
  if (dataset) {
    if (const auto* src = cfg->FindSource(dataset->source)) zone = src->timezone;
  } else if (!cfg->sources.empty()) {
    zone = cfg->sources.front().timezone;
  }
  auto tz = core::TimeZone::Load(zone);
  if (!tz) return Fail(tz.error());
  LocalData local(app.sinks(), cfg->storages, cfg->plans, app.project().root);
  auto gen = generation::ArgumentGenerator::FromSources(sources, local.Context(app.clock(), *tz, plan, dataset));
  if (!gen) return Fail(gen.error());
  ArgumentTest out;
  out.subject = tmpl && plan ? "template " + tmpl->name + " with plan " + plan->name
                : tmpl       ? "template " + tmpl->name
                             : "plan " + plan->name;
  out.count = (*gen)->Count();
  datasource::Params p;
  while ((*gen)->Next(p)) {
    if (!visit(p)) break;
  }
  return out;
}

}  // namespace

core::Result<ArgumentTest> TestArguments(App& app, const Config& config, const std::string& template_name,
                                         const std::string& plan_name, size_t limit) {
  std::vector<datasource::Params> first;
  auto out = VisitArguments(app, config, template_name, plan_name, [&](const datasource::Params& p) {
    if (first.size() >= limit) return false;
    first.push_back(p);
    return first.size() < limit;
  });
  if (!out) return Fail(out.error());
  out->first = std::move(first);
  return out;
}

core::Result<uint64_t> ForEachArgument(App& app, const std::string& plan,
                                       const std::function<void(const datasource::Params&)>& each) {
  auto cfg = CurrentConfig(app);
  if (!cfg) return Fail(cfg.error());
  auto out = VisitArguments(app, *cfg, "", plan, [&](const datasource::Params& p) {
    each(p);
    return true;
  });
  if (!out) return Fail(out.error());
  return out->count;
}

}  // namespace datasync::app
