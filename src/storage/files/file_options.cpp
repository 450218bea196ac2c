#include "storage/files/file_options.hpp"

namespace datasync::storage::files {

std::span<const core::OptionSpec> CommonFileOptions() {
  using core::OptionType;
  static const std::vector<core::OptionSpec> table = {
      {kPath.name, OptionType::kPath, "", true, "",
       "root folder; each dataset gets a sub-folder (relative paths start at the project folder)"},
      {kPartitionBy.name, OptionType::kString, "", false, "",
       "field whose value (or its year/month/day) names a Hive-style sub-folder key=value; empty: no partitions"},
      {kPartitionGranularity.name,
       OptionType::kEnum,
       "value",
       false,
       "",
       "how partition_by becomes a folder: its value, or the year, month or day of a date/timestamp",
       {"value", "year", "month", "day"}},
  };
  return table;
}

std::span<const core::OptionSpec> CompactionFileOptions() {
  using core::OptionType;
  static const std::vector<core::OptionSpec> table = {
      {.name = kCompactBelowBytes.name,
       .type = OptionType::kInt,
       .default_value = "67108864",
       .unit = "bytes",
       .description = "`datasync compact` merges the part files of a partition that are smaller than this",
       .range = core::OptionRange{.min = 1}},
      {.name = kCompactAtParts.name,
       .type = OptionType::kInt,
       .default_value = "64",
       .unit = "parts",
       .description = "after a run, a partition folder holding this many small parts is compacted (as by "
                      "`datasync compact`); 0: only by the command",
       .range = core::OptionRange{0, 1'000'000}},
  };
  return table;
}

void AppendCompactionFileOptions(std::vector<core::OptionSpec>& table) {
  auto compaction = CompactionFileOptions();
  table.insert(table.end(), compaction.begin(), compaction.end());
}

void AppendCommonFileOptions(std::vector<core::OptionSpec>& table) {
  auto common = CommonFileOptions();
  table.insert(table.end(), common.begin(), common.end());
}

void CheckCommonFileOptions(const core::Options& options, core::OptionProblems& problems) {
  if (options.Get(kPath).empty()) problems.push_back({std::string(kPath.name), "is empty; set it to the root folder"});
}

std::filesystem::path RootFolder(const core::Options& options, const std::filesystem::path& project_dir) {
  std::filesystem::path root(options.Get(kPath));
  if (root.is_relative()) root = project_dir / root;
  return root.lexically_normal();
}

}  // namespace datasync::storage::files
