// `datasync reconcile DATASET --storages a,b`: whether two storages hold the same rows (app/reconcile.hpp);
// exit 1 when they differ, so a script or a schedule can act on it. The row differences are printed the
// same way for `datasync verify` (commands_runs.cpp).
#include <fmt/format.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/reconcile.hpp"
#include "app/views/compare_views.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/dates.hpp"
#include "core/json_text.hpp"
#include "core/strings.hpp"

namespace datasync::cli {

// The row differences of one day (or of the whole dataset), for people; `left`/`right` name the sides.
void PrintRowDiff(const app::RowDiff& d, const std::string& indent, const std::string& left, const std::string& right,
                  const std::string& only_left, const std::string& only_right, const std::string& changed) {
  std::vector<std::string> fields;
  for (const auto& [f, n] : d.changed_by_field) fields.push_back(fmt::format("{} {}", f, n));
  Print(fmt::format("{}{} {}, {} {}, {} {}{}{}\n", indent, d.only_left, only_left, d.only_right, only_right, d.changed,
                    changed, fields.empty() ? std::string() : " (" + core::Join(fields, ", ") + ")",
                    d.duplicates ? fmt::format(", {} duplicate key(s)", d.duplicates) : std::string()));
  for (const auto& e : d.examples) {
    switch (e.kind) {
      case app::RowExample::Kind::kOnlyLeft: Print(fmt::format("{}  {}: {}\n", indent, only_left, e.left)); break;
      case app::RowExample::Kind::kOnlyRight: Print(fmt::format("{}  {}: {}\n", indent, only_right, e.right)); break;
      case app::RowExample::Kind::kChanged:
        Print(fmt::format("{}  {} {}: {} {} -> {} {}\n", indent, e.key, e.field, left, e.left, right, e.right));
        break;
    }
  }
}

int CmdReconcile(const Globals& g, const ReconcileArgs& args) {
  app::ReconcileOptions o;
  o.dataset = args.dataset;
  auto names = core::Split(args.storages, ',');
  if (names.size() != 2) {
    std::fprintf(stderr, "error: --storages: expected two storage names, as a,b\n");
    return kUsage;
  }
  o.left = std::string(core::Trim(names[0]));
  o.right = std::string(core::Trim(names[1]));
  auto by = app::ParsePartitionBy(args.by);
  if (!by) {
    std::fprintf(stderr, "error: --by: expected year, month or day\n");
    return kUsage;
  }
  o.by = *by;
  o.max_days = static_cast<size_t>(std::max<int64_t>(args.max_days, 0));
  o.max_examples = static_cast<size_t>(std::max<int64_t>(args.examples, 0));
  if (!ParseDayBounds(args.from, args.to, o.from, o.to)) return kUsage;
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto r = app::Reconcile(**a, o);
  if (!r) return ExitWithError(r.error());
  if (g.json) {
    Print(core::JsonText(app::views::ToJson(*r), 2) + "\n");
    return r->same() ? kOk : kRunFailed;
  }
  std::string span = r->from && r->to ? fmt::format(", {} .. {} by {}", core::FormatIsoDate(*r->from),
                                                    core::FormatIsoDate(*r->to), app::PartitionByName(r->by))
                                      : std::string();
  Print(fmt::format("{}: storage {} against {}{}\n", r->dataset, r->left, r->right, span));
  Print(fmt::format("  rows: {} in {}, {} in {}; {} field(s) compared\n", r->left_rows, r->left, r->right_rows,
                    r->right, r->fields.size()));
  if (!r->only_left_fields.empty()) {
    Print(fmt::format("  only {} has field(s) {} (not compared)\n", r->left, core::Join(r->only_left_fields, ", ")));
  }
  if (!r->only_right_fields.empty()) {
    Print(fmt::format("  only {} has field(s) {} (not compared)\n", r->right, core::Join(r->only_right_fields, ", ")));
  }
  if (r->same()) {
    Print(fmt::format("  the same: {} partition(s), equal counts and checksums\n", r->partitions.size()));
    return kOk;
  }
  Print(fmt::format("  {} of {} partition(s) differ, {} day(s)\n", r->partitions_differ, r->partitions.size(),
                    r->days_differ));
  const std::string only_left = "only in " + r->left, only_right = "only in " + r->right;
  for (const auto& p : r->partitions) {
    if (p.same) continue;
    Print(fmt::format("  {}: {} rows in {}, {} in {}\n", p.label, p.left_rows, r->left, p.right_rows, r->right));
    for (const auto& d : p.days) {
      std::string what = r->date_key.empty() ? std::string("all rows") : core::FormatIsoDate(d.day);
      Print(fmt::format("    {}: {} rows in {}, {} in {}{}\n", what, d.left_rows, r->left, d.right_rows, r->right,
                        d.rows ? "" : (r->date_key.empty() ? "" : " (not compared row by row; --max-days)")));
      if (d.rows) PrintRowDiff(*d.rows, "      ", r->left, r->right, only_left, only_right, "differ");
    }
  }
  return kRunFailed;
}

}  // namespace datasync::cli
