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
