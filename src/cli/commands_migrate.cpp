#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/migrations.hpp"
#include "app/views/migration_views.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/json_text.hpp"
#include "core/secrets.hpp"

namespace datasync::cli {

using json = nlohmann::ordered_json;

int CmdMigrate(const Globals& g, const std::string& storage, bool dry_run) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto results = app::MigrateStorages(**a, app::MigrateOptions{.storage = storage, .dry_run = dry_run});
  if (!results) return ExitWithError(results.error());
  bool failed = false;
  json out = json::array();
  std::string text;
  for (const auto& m : *results) {
    failed = failed || !m.error.empty();
    if (g.json) {
      out.push_back(app::views::ToJson(m, dry_run));
      continue;
    }
    text += fmt::format("storage {} ({}), dataset {} (schema version {})", m.storage, m.kind.empty() ? "?" : m.kind,
                        m.dataset, m.dataset_version);
    if (!m.plan.table.empty()) text += ", table " + m.plan.table;
    text += ":\n";
    if (!m.scripted && m.error.empty()) {
      text += "  no script: this storage evolves additively by itself when a run binds it\n";
      continue;
    }
    text += m.plan.Script(true);
    size_t held = 0;
    for (const auto& step : m.plan.steps) held += step.held() ? 1 : 0;
    if (!m.error.empty()) {
      text += fmt::format("  failed after {} of {} step(s): {}\n", m.applied_steps, m.plan.steps.size(), m.error);
    } else if (m.plan.empty()) {
      text += "  up to date\n";
    } else if (dry_run) {
      text += fmt::format("  dry run: {} step(s), {} of them held (destructive); `datasync migrate {}` applies them\n",
                          m.plan.steps.size(), held, m.storage);
    } else {
      text += fmt::format("  applied {} step(s)\n", m.applied_steps);
    }
  }
  if (g.json) {
    Print(core::JsonText(out, 2) + "\n");
  } else if (results->empty()) {
    Print(storage.empty() ? "no plan writes to a storage; nothing to migrate\n"
                          : "no plan writes to storage " + storage + "; nothing to migrate\n");
  } else {
    Print(core::Redact(text));
  }
  return failed ? kRunFailed : kOk;
}

int CmdMigrations(const Globals& g, const std::string& storage, int limit) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto history = app::MigrationHistory(**a, storage, limit);
  if (!history) return ExitWithError(history.error());
  if (g.json) {
    json out = json::array();
    for (const auto& m : *history) out.push_back(app::views::ToJson(m));
    Print(core::JsonText(out, 2) + "\n");
    return kOk;
  }
  if (history->empty()) {
    Print("no migrations recorded\n");
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& m : *history) {
    std::string by = m.applied_by == "run" ? "run " + std::to_string(m.run_id) : m.applied_by;
    rows.push_back({std::to_string(m.id), LocalTime(m.applied_at_us), m.storage, m.dataset,
                    std::to_string(m.dataset_version), by, m.description});
  }
  Print(RenderTable({"ID", "APPLIED", "STORAGE", "DATASET", "VERSION", "BY", "CHANGE"}, rows));
  return kOk;
}

}  // namespace datasync::cli
