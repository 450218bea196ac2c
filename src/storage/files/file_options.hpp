// The options every file sink (CSV, JSON Lines, JSON, Parquet, xlsx) accepts: path, partition_by,
// partition_granularity; and those of the sinks that compact (compact_below_bytes, compact_at_parts). Each file sink's
// table starts with these (AppendCommonFileOptions) and its check function with CheckCommonFileOptions. Plain data;
// thread-safe.
#pragma once

#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "core/options.hpp"

namespace datasync::storage::files {

std::span<const core::OptionSpec> CommonFileOptions();

inline constexpr core::OptionKey<std::string> kPath{"path", CommonFileOptions};
inline constexpr core::OptionKey<std::string> kPartitionBy{"partition_by", CommonFileOptions};
inline constexpr core::OptionKey<std::string> kPartitionGranularity{"partition_granularity", CommonFileOptions};

// The compaction options of the file sinks whose format can merge part files (Parquet, CSV, JSON Lines).
std::span<const core::OptionSpec> CompactionFileOptions();

inline constexpr core::OptionKey<int64_t> kCompactBelowBytes{"compact_below_bytes", CompactionFileOptions};
inline constexpr core::OptionKey<int64_t> kCompactAtParts{"compact_at_parts", CompactionFileOptions};

// Appends CompactionFileOptions() to a file sink's table.
void AppendCompactionFileOptions(std::vector<core::OptionSpec>& table);

// Appends CommonFileOptions() to a file sink's table.
void AppendCommonFileOptions(std::vector<core::OptionSpec>& table);
// The rules of the shared options beyond the table (a non-empty path); each file sink's check starts here,
// and applies its whole table (core::CheckOptionValues) once, itself or in its format's settings reader.
void CheckCommonFileOptions(const core::Options& options, core::OptionProblems& problems);
// The root folder the options name: `path`, relative to the project folder when it is relative, normalised.
// FileSink's Bind and the readers of file storages resolve it here, so both find the same folder.
std::filesystem::path RootFolder(const core::Options& options, const std::filesystem::path& project_dir);

}  // namespace datasync::storage::files
