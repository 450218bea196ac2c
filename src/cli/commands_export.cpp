// `datasync export`: configuration objects as YAML to paste into datasync.yaml (app/manage_service.hpp),
// above all the ones made in the web app, which live in the system database.
#include <nlohmann/json.hpp>

#include "app/manage_service.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/json_text.hpp"

namespace datasync::cli {

int CmdExport(const Globals& g, const std::string& kind_text, const std::string& name, bool app_made) {
  std::optional<metadata::ObjectKind> kind;
  if (!kind_text.empty()) {
    kind = metadata::ParseObjectKind(kind_text);
    if (!kind) {
      return ExitWithError(
          core::Error(core::ErrorKind::kInvalidInput,
                      "unknown kind '" + kind_text + "' (one of: source, dataset, storage, template, plan)"));
    }
  }
  if (!app_made && (!kind || name.empty())) {
    return ExitWithError(core::Error(core::ErrorKind::kInvalidInput,
                                     "name an object (datasync export plan daily), or --app for every object made "
                                     "in the web app"));
  }
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto all = app::ListObjects(**a);
  if (!all) return ExitWithError(all.error());
  nlohmann::ordered_json sections = nlohmann::ordered_json::object();
  size_t n = 0;
  for (const auto& o : *all) {
    if (kind && o.kind != *kind) continue;
    if (!name.empty() && o.name != name) continue;
    if (app_made && o.origin != "api") continue;
    std::string section(metadata::ObjectSection(o.kind));
    if (g.json) {
      sections[section][o.name] = nlohmann::ordered_json::parse(o.body.dump());
    } else {
      // One section at a time, in the file's order.
      Print((n == 0 ? "" : "\n") + app::ObjectYaml(**a, o));
    }
    ++n;
  }
  if (n == 0 && !app_made) {
    return ExitWithError(core::Error(core::ErrorKind::kNotFound,
                                     "no " + std::string(metadata::ObjectKindName(*kind)) + " '" + name + "'"));
  }
  if (g.json) Print(core::JsonText(sections, 2) + "\n");
  if (n == 0 && !g.json) Print("# no objects made in the app\n");
  return kOk;
}

}  // namespace datasync::cli
