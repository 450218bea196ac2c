// Hive-style partitioning of a file dataset: rows go to ROOT/<dataset>/<key>=<value>/ by the value of
// one field, or by the year, month or day of a date/timestamp field. Keys and values are made safe with
// SafeFileName, so a hostile value can never leave the dataset folder. Immutable after parsing;
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/column_batch.hpp"
#include "core/error.hpp"
#include "core/options.hpp"
#include "core/schema.hpp"

namespace datasync::storage::files {

enum class PartitionGranularity : uint8_t { kValue, kYear, kMonth, kDay };
std::string_view PartitionGranularityName(PartitionGranularity g);  // "value", "year", ...

// Folder name for rows whose partition field is NULL (the Hive convention readers recognise).
inline constexpr std::string_view kNullPartitionValue = "__HIVE_DEFAULT_PARTITION__";

class PartitionSpec {
 public:
  // Reads options partition_by / partition_granularity; nullopt when partition_by is empty. kConfig when
  // the field is unknown or the granularity does not fit its type.
  static core::Result<std::optional<PartitionSpec>> FromOptions(const core::Schema& schema,
                                                                const core::Options& options);

  const std::string& field() const { return field_; }
  size_t column() const { return column_; }
  PartitionGranularity granularity() const { return granularity_; }
  // The folder key: the field name for kValue, "<field>_year" / "_month" / "_day" otherwise (so it never
  // collides with the field itself when a reader adds Hive columns).
  const std::string& key() const { return key_; }

  // "<safe key>=<safe value>" for one row of the partition column.
  std::string FolderName(const core::Column& column, size_t row) const;
  // The unencoded value text used in FolderName ("2024-01", "000001.SZ", kNullPartitionValue).
  std::string ValueText(const core::Column& column, size_t row) const;

 private:
  std::string field_;
  size_t column_ = 0;
  PartitionGranularity granularity_ = PartitionGranularity::kValue;
  std::string key_;
  std::string safe_key_;
};

}  // namespace datasync::storage::files
