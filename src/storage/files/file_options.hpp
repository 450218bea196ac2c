// The options every file sink (CSV, JSON Lines, JSON, Parquet, xlsx) accepts: path, partition_by,
// partition_granularity. Each file sink's table starts with these (AppendCommonFileOptions) and its check
// function with CheckCommonFileOptions. Plain data; thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/options.hpp"

namespace datasync::storage::files {

std::span<const core::OptionSpec> CommonFileOptions();

inline constexpr core::OptionKey<std::string> kPath{"path", CommonFileOptions};
inline constexpr core::OptionKey<std::string> kPartitionBy{"partition_by", CommonFileOptions};
inline constexpr core::OptionKey<std::string> kPartitionGranularity{"partition_granularity", CommonFileOptions};

// Appends CommonFileOptions() to a file sink's table.
void AppendCommonFileOptions(std::vector<core::OptionSpec>& table);
// The rules of the shared options beyond the table (a non-empty path); each file sink's check starts here,
// and applies its whole table (core::CheckOptionValues) once, itself or in its format's settings reader.
void CheckCommonFileOptions(const core::Options& options, core::OptionProblems& problems);

}  // namespace datasync::storage::files
