#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "app/compaction.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/json_text.hpp"

namespace datasync::cli {

using json = nlohmann::ordered_json;

int CmdCompact(const Globals& g, const std::string& storage, const std::string& dataset, const std::string& partition,
               bool dry_run) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  app::CompactRequest request{storage, dataset, partition, dry_run};
  auto result = app::CompactStorage(**a, request);
  if (!result) return ExitWithError(result.error());
  if (g.json) {
    json out = json::array();
    for (const auto& d : *result) {
      json merged = json::array();
      for (const auto& m : d.report.merged) {
        merged.push_back({{"folder", m.folder},
                          {"inputs", m.inputs},
                          {"output", m.output},
                          {"bytes_before", m.bytes_before},
                          {"bytes_after", m.bytes_after},
                          {"rows", m.rows}});
      }
      out.push_back({{"dataset", d.dataset},
                     {"dry_run", dry_run},
                     {"folders_scanned", d.report.folders_scanned},
                     {"units_repaired", d.report.units_repaired},
                     {"merged", merged}});
    }
    Print(core::JsonText(out, 2) + "\n");
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  size_t files = 0;
  for (const auto& d : *result) {
    for (const auto& m : d.report.merged) {
      files += m.inputs.size();
      rows.push_back({d.dataset, m.folder.empty() ? "." : m.folder, std::to_string(m.inputs.size()),
                      HumanBytes(m.bytes_before), dry_run ? "-" : HumanBytes(m.bytes_after),
                      dry_run ? "-" : Thousands(m.rows), m.output});
    }
  }
  if (!rows.empty()) {
    Print(RenderTable({"DATASET", "PARTITION", "PARTS", "BEFORE", "AFTER", "ROWS", "MERGED INTO"}, rows));
  }
  Print(rows.empty() ? std::string("nothing to compact: no partition has two small parts\n")
                     : fmt::format("{} {} part file(s) into {} file(s){}\n", dry_run ? "would merge" : "merged", files,
                                   rows.size(), dry_run ? " (dry run: nothing changed)" : ""));
  return kOk;
}

}  // namespace datasync::cli
