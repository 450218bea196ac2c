// `datasync template list|show|test`: the named argument templates of datasync.yaml.
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/specs.hpp"
#include "app/template_service.hpp"
#include "app/views/manage_views.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/json_text.hpp"
#include "core/strings.hpp"

namespace datasync::cli {

using json = nlohmann::ordered_json;

namespace {

std::string Dash(const std::vector<std::string>& v) {
  return v.empty() ? "-" : core::Join(v, ",");
}

}  // namespace

int CmdTemplateList(const Globals& g) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto list = app::ListTemplates(**a);
  if (!list) return ExitWithError(list.error());
  if (g.json) {
    json arr = json::array();
    for (const auto& t : *list) {
      json j = json::parse(app::TemplateToJson(t.tmpl));
      j["sends"] = t.sent;
      j["reads"] = t.reads;
      j["used_by"] = t.used_by;
      arr.push_back(j);
    }
    Print(core::JsonText(arr, 2) + "\n");
    return kOk;
  }
  if (list->empty()) {
    Print("no templates (add them under templates: in datasync.yaml)\n");
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : *list) {
    rows.push_back({t.tmpl.name, Dash(t.sent), Dash(t.reads), Dash(t.used_by), t.tmpl.description});
  }
  Print(RenderTable({"NAME", "SENDS", "READS", "USED BY", "DESCRIPTION"}, rows));
  return kOk;
}

int CmdTemplateShow(const Globals& g, const std::string& name) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto list = app::ListTemplates(**a);
  if (!list) return ExitWithError(list.error());
  for (const auto& t : *list) {
    if (t.tmpl.name != name) continue;
    if (g.json) {
      Print(core::JsonText(json::parse(app::TemplateToJson(t.tmpl)), 2) + "\n");
      return kOk;
    }
    Print(t.tmpl.name + (t.tmpl.description.empty() ? "" : ": " + t.tmpl.description) + "\n");
    for (const auto& s : t.tmpl.params) Print("  " + app::DescribeSource(s) + "\n");
    Print("  sends: " + Dash(t.sent) + "\n  reads: " + Dash(t.reads) + "\n  used by: " + Dash(t.used_by) + "\n");
    return kOk;
  }
  std::vector<std::string> names;
  for (const auto& t : *list) names.push_back(t.tmpl.name);
  return ExitWithError(core::Error(
      core::ErrorKind::kNotFound,
      "unknown template '" + name + "' (defined: " + (names.empty() ? "none" : core::Join(names, ", ")) + ")"));
}

int CmdTemplateTest(const Globals& g, const std::string& name, const std::string& plan, int limit) {
  if (name.empty() && plan.empty()) {
    std::fprintf(stderr, "error: name a template, or a plan with --plan\n");
    return kUsage;
  }
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto test = app::TestArguments(**a, name, plan, static_cast<size_t>(std::max(limit, 0)));
  if (!test) return ExitWithError(test.error());
  if (g.json) {
    Print(core::JsonText(app::views::ToJson(*test), 2) + "\n");
    return kOk;
  }
  Print(fmt::format("{}: {} argument set(s); the vendor was not called\n", test->subject,
                    Thousands(static_cast<int64_t>(test->count))));
  for (const auto& p : test->first) {
    std::vector<std::string> parts;
    for (const auto& [k, v] : p) parts.push_back(k + "=" + v);
    Print("  " + (parts.empty() ? std::string("(no params)") : core::Join(parts, " ")) + "\n");
  }
  if (test->count > test->first.size()) Print(fmt::format("  ... {} more\n", test->count - test->first.size()));
  return kOk;
}

}  // namespace datasync::cli
