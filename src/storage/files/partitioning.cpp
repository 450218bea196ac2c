#include "storage/files/partitioning.hpp"

#include "core/dates.hpp"
#include "core/strings.hpp"
#include "storage/files/file_names.hpp"
#include "storage/files/file_options.hpp"

namespace datasync::storage::files {

using core::ErrorKind;
using core::Fail;
using core::TypeId;

std::string_view PartitionGranularityName(PartitionGranularity g) {
  switch (g) {
    case PartitionGranularity::kValue: return "value";
    case PartitionGranularity::kYear: return "year";
    case PartitionGranularity::kMonth: return "month";
    case PartitionGranularity::kDay: return "day";
  }
  return "?";
}

core::Result<std::optional<PartitionSpec>> PartitionSpec::FromOptions(const core::Schema& schema,
                                                                      const core::Options& options) {
  std::string by = options.Get(kPartitionBy);
  std::string granularity = options.Get(kPartitionGranularity);
  if (by.empty()) return std::optional<PartitionSpec>();
  PartitionSpec spec;
  auto index = schema.IndexOf(by);
  if (!index) {
    return Fail(ErrorKind::kConfig, "partition_by names '" + by + "', which is not a field of the dataset (fields: " +
                                        core::Join(schema.Names(), ", ") + ")");
  }
  spec.field_ = by;
  spec.column_ = *index;
  // The table allows value, year, month and day only (checked before a sink gets here).
  if (granularity == "value") {
    spec.granularity_ = PartitionGranularity::kValue;
  } else {
    TypeId id = schema.field(*index).type.id;
    if (id != TypeId::kDate && id != TypeId::kTimestamp) {
      return Fail(ErrorKind::kConfig, "partition_granularity '" + granularity +
                                          "' needs a date or timestamp field, but '" + by + "' is " +
                                          schema.field(*index).type.ToString() + " (use partition_granularity: value)");
    }
    spec.granularity_ = granularity == "year"    ? PartitionGranularity::kYear
                        : granularity == "month" ? PartitionGranularity::kMonth
                                                 : PartitionGranularity::kDay;
  }
  spec.key_ = spec.granularity_ == PartitionGranularity::kValue
                  ? by
                  : by + "_" + std::string(PartitionGranularityName(spec.granularity_));
  spec.safe_key_ = SafeFileName(spec.key_);
  return std::optional<PartitionSpec>(std::move(spec));
}

std::string PartitionSpec::ValueText(const core::Column& column, size_t row) const {
  if (!column.IsValid(row)) return std::string(kNullPartitionValue);
  if (granularity_ != PartitionGranularity::kValue) {
    int32_t days = 0;
    if (column.type().id == TypeId::kDate) {
      days = column.GetInt32(row);
    } else {
      int64_t micros = column.GetInt64(row);
      int64_t per_day = int64_t{86400} * 1000000;
      days = static_cast<int32_t>(micros >= 0 ? micros / per_day : (micros - per_day + 1) / per_day);
    }
    std::string iso = core::FormatIsoDate(days);  // "YYYY-MM-DD", possibly with a sign for far years
    size_t dash = iso.find('-', 1);
    switch (granularity_) {
      case PartitionGranularity::kYear: return iso.substr(0, dash);
      case PartitionGranularity::kMonth: return iso.substr(0, dash + 3);
      default: return iso;
    }
  }
  switch (column.type().id) {
    case TypeId::kBool: return column.GetBool(row) ? "true" : "false";
    case TypeId::kInt32: return std::to_string(column.GetInt32(row));
    case TypeId::kInt64: return std::to_string(column.GetInt64(row));
    case TypeId::kFloat64: return core::FormatDouble(column.GetFloat64(row));
    case TypeId::kString: return std::string(column.GetString(row));
    case TypeId::kDate: return core::FormatIsoDate(column.GetInt32(row));
    case TypeId::kTimestamp: return core::FormatTimestamp(column.GetInt64(row));
    case TypeId::kDecimal: return column.DecimalText(row);
  }
  return std::string(kNullPartitionValue);
}

std::string PartitionSpec::FolderName(const core::Column& column, size_t row) const {
  return safe_key_ + "=" + SafeFileName(ValueText(column, row));
}

}  // namespace datasync::storage::files
