#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/project.hpp"
#include "app/views/catalog_views.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/json_text.hpp"
#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::cli {

using json = nlohmann::ordered_json;

int CmdInit(const Globals& g, const std::string& dir, const std::string& endpoint, const std::string& token_env,
            const std::string& name, bool force) {
  app::InitOptions o;
  o.dir = dir;
  o.name = name;
  if (!endpoint.empty()) o.endpoint = endpoint;
  o.token_ref = "${" + token_env + "}";
  o.force = force;
  auto p = app::InitProject(o);
  if (!p) return ExitWithError(p.error());
  if (g.json) {
    Print(core::JsonText(app::views::ToJson(*p), 2) + "\n");
  } else {
    Print(fmt::format("created {}\n  edit it, then: datasync --project {} validate && datasync --project {} apply\n",
                      p->config_file.string(), dir, dir));
  }
  return kOk;
}

int CmdValidate(const Globals& g) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  app::ConfigResult r = (*a)->LoadConfig({.resolve_secrets = true});
  if (g.json) {
    Print(core::JsonText(app::views::ToJson(r), 2) + "\n");
  } else {
    for (const auto& i : r.issues) std::fprintf(stderr, "%s\n", app::FormatIssue(i).c_str());
    if (r.ok()) {
      const app::Config& c = *r.config;
      Print(fmt::format("{}: valid ({} source(s), {} dataset(s), {} storage(s), {} plan(s))\n",
                        (*a)->project().config_file.filename().string(), c.sources.size(), c.datasets.size(),
                        c.storages.size(), c.plans.size()));
    } else {
      size_t errors = std::count_if(r.issues.begin(), r.issues.end(), [](const auto& i) { return !i.warning; });
      std::fprintf(stderr, "%zu error(s); nothing was applied\n", errors);
    }
  }
  return r.ok() ? kOk : kUsage;
}

int CmdApply(const Globals& g) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  // Validates as `validate` does, secrets included.
  app::ConfigResult r = (*a)->LoadConfig({.resolve_secrets = true});
  for (const auto& i : r.issues) std::fprintf(stderr, "%s\n", app::FormatIssue(i).c_str());
  if (!r.ok()) {
    std::fprintf(stderr, "the configuration has errors; nothing was applied\n");
    return kUsage;
  }
  auto rep = (*a)->Apply(*r.config);
  if (!rep) return ExitWithError(rep.error());
  if (g.json) {
    Print(core::JsonText(app::views::ToJson(*rep), 2) + "\n");
    return kOk;
  }
  for (const auto& c : rep->changes) {
    if (c.change != "unchanged") Print(fmt::format("{:<9} {} {} (version {})\n", c.change, c.kind, c.name, c.version));
  }
  Print(rep->changed() ? fmt::format("applied {} change(s)\n", rep->changed()) : "no changes\n");
  return kOk;
}

// --- listings --------------------------------------------------------------------------------------

std::string LimitsText(const datasource::QuotaLimits& l) {
  std::vector<std::string> parts;
  if (l.per_minute) parts.push_back(std::to_string(*l.per_minute) + "/min");
  if (l.per_hour) parts.push_back(std::to_string(*l.per_hour) + "/h");
  if (l.per_day) parts.push_back(std::to_string(*l.per_day) + "/day");
  for (const auto& w : l.windows) parts.push_back(std::to_string(w.limit) + "/" + datasource::WindowName(w));
  if (l.concurrency) parts.push_back(std::to_string(*l.concurrency) + " at once");
  if (l.scope == datasource::QuotaScope::kPerCredential) parts.push_back("shared by every API");
  return parts.empty() ? "-" : core::Join(parts, ", ");
}

int CmdList(const Globals& g, const std::string& what) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  app::App& app = **a;
  json out = json::array();
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header;
  if (what == "sources") {
    auto items = app.Sources();
    if (!items) return ExitWithError(items.error());
    header = {"NAME", "PROVIDER", "ENDPOINT", "TOKEN", "TIMEZONE", "LIMITS"};
    for (const auto& s : *items) {
      const datasource::ProviderInfo* info = app.providers().Find(s.provider);
      auto specs = info ? info->options : std::span<const core::OptionSpec>();
      json shown = app::views::ToJson(s, specs);
      // The TOKEN column: the source's credentials (its provider's secret options), masked.
      std::vector<std::string> secrets;
      for (const auto& spec : specs) {
        if (spec.type == core::OptionType::kSecret && shown.contains(std::string(spec.name))) {
          secrets.push_back(shown[std::string(spec.name)].get<std::string>());
        }
      }
      std::string endpoint = shown.value("endpoint", "");
      out.push_back(std::move(shown));
      rows.push_back({s.name, s.provider, endpoint, core::Join(secrets, ", "), s.timezone, LimitsText(s.limits)});
    }
  } else if (what == "datasets") {
    auto items = app.Datasets();
    if (!items) return ExitWithError(items.error());
    header = {"NAME", "SOURCE", "API", "FIELDS", "PRIMARY KEY", "ROW CAP", "VERSION", "TITLE"};
    for (const auto& d : *items) {
      out.push_back(app::views::ToJson(d));
      rows.push_back({d.name, d.source, d.api, std::to_string(d.schema->size()), core::Join(d.primary_key, ","),
                      d.row_cap ? std::to_string(d.row_cap) : "-", std::to_string(d.schema_version), d.title});
    }
  } else if (what == "storages") {
    auto items = app.Storages();
    if (!items) return ExitWithError(items.error());
    header = {"NAME", "KIND", "OPTIONS"};
    for (const auto& s : *items) {
      json j = app::views::ToJson(s);
      out.push_back(j);
      std::vector<std::string> opts;
      for (const auto& [k, v] : j["options"].items())
        opts.push_back(k + "=" + (v.is_string() ? v.get<std::string>() : core::JsonText(v)));
      rows.push_back({s.name, s.kind, core::Join(opts, " ")});
    }
  } else {
    auto items = app.Plans();
    if (!items) return ExitWithError(items.error());
    header = {"NAME", "DATASET", "STORAGES", "MODE", "PARAMS", "DEPENDS ON", "ENABLED"};
    for (const auto& p : *items) {
      out.push_back(app::views::ToJson(p));
      std::vector<std::string> params;
      if (!p.args.template_name.empty()) params.push_back("template " + p.args.template_name);
      for (const auto& ps : p.args.params) {
        if (ps.kind == generation::ParamSource::Kind::kDateRange) {
          params.push_back(ps.name + "=" + ps.start + ".." + ps.end + (ps.weekdays_only ? " (weekdays)" : ""));
        } else if (ps.kind == generation::ParamSource::Kind::kConstant ||
                   ps.kind == generation::ParamSource::Kind::kList) {
          params.push_back(ps.name + "=" + core::Join(ps.values, ","));
        } else {
          params.push_back(ps.name + "=(" + std::string(generation::KindName(ps.kind)) + ")");
        }
      }
      rows.push_back({p.name, p.dataset, core::Join(p.storages, ","), std::string(storage::WriteModeName(p.mode)),
                      params.empty() ? "-" : core::Join(params, " "),
                      p.depends_on.empty() ? "-" : core::Join(p.depends_on, ","), p.enabled ? "yes" : "no"});
    }
  }
  if (g.json) {
    Print(core::JsonText(out, 2) + "\n");
  } else if (rows.empty()) {
    Print(fmt::format("no {} (edit datasync.yaml, then `datasync apply`)\n", what));
  } else {
    Print(RenderTable(header, rows));
  }
  return kOk;
}

}  // namespace datasync::cli
