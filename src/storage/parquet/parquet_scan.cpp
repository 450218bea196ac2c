#include "storage/parquet/parquet_scan.hpp"

#include <cmath>
#include <map>
#include <memory>
#include <set>

#include "core/column_batch.hpp"
#include "core/dates.hpp"
#include "core/strings.hpp"
#include "storage/files/dataset_folder.hpp"
#include "storage/files/file_names.hpp"
#include "storage/files/fs_util.hpp"
#include "storage/files/partitioning.hpp"
#include "storage/parquet/parquet_decoder.hpp"
#include "storage/parquet/parquet_format.hpp"
#include "storage/parquet/parquet_merger.hpp"

namespace datasync::storage::parquet {

using core::ErrorKind;
using core::Fail;
using core::LogicalType;
using core::TypeId;
using core::Value;
namespace fs = std::filesystem;

std::optional<Value> ValueFromText(std::string_view text, const LogicalType& type) {
  switch (type.id) {
    case TypeId::kBool: {
      std::string b = core::ToLower(core::Trim(text));
      if (b == "true" || b == "t" || b == "1") return Value::Bool(true);
      if (b == "false" || b == "f" || b == "0") return Value::Bool(false);
      return std::nullopt;
    }
    case TypeId::kInt32: {
      auto n = core::ParseInt64(text);
      if (!n || *n < INT32_MIN || *n > INT32_MAX) return std::nullopt;
      return Value::Int32(static_cast<int32_t>(*n));
    }
    case TypeId::kInt64:
      if (auto n = core::ParseInt64(text)) return Value::Int64(*n);
      return std::nullopt;
    case TypeId::kFloat64:
      if (auto x = core::ParseDouble(text)) return Value::Float64(*x);
      return std::nullopt;
    case TypeId::kDate:
      if (auto d = core::ParseDate(text)) return Value::Date(*d);
      return std::nullopt;
    case TypeId::kTimestamp:
      if (auto t = core::ParseTimestamp(text)) return Value::Timestamp(*t);
      return std::nullopt;
    case TypeId::kDecimal: {
      Value v = Value::Null(type);  // then its value: assigning avoids GCC 12's maybe-uninitialized
      if (type.IsWideDecimal()) {
        auto d = core::ParseDecimal128(text, type.scale);
        if (!d || !core::FitsDecimalPrecision(*d, type.precision)) return std::nullopt;
        v.v = *d;
      } else {
        auto d = core::ParseDecimal(text, type.scale);
        if (!d || !core::FitsDecimalPrecision(*d, type.precision)) return std::nullopt;
        v.v = *d;
      }
      return v;
    }
    case TypeId::kString: return Value::String(std::string(text));
  }
  return std::nullopt;
}

int CompareValues(const Value& a, const Value& b) {
  if (a.is_null() || b.is_null()) return static_cast<int>(!a.is_null()) - static_cast<int>(!b.is_null());
  if (a.v.index() != b.v.index()) return a.ToString().compare(b.ToString()) < 0 ? -1 : 1;
  auto order = [](const auto& x, const auto& y) { return x < y ? -1 : (y < x ? 1 : 0); };
  return std::visit(
      [&](const auto& x) -> int {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b.v);
        if constexpr (std::is_same_v<T, std::monostate>) {
          return 0;
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isnan(x) || std::isnan(y)) return static_cast<int>(std::isnan(x)) - static_cast<int>(std::isnan(y));
          return order(x, y);
        } else {
          return order(x, y);  // strings compare as unsigned bytes (char_traits<char>)
        }
      },
      a.v);
}

std::optional<LogicalType> SidecarType(const files::SchemaSidecar& sidecar, std::string_view column) {
  for (const auto* list : {&sidecar.fields, &sidecar.retired_fields}) {
    for (const auto& f : *list) {
      if (f.name == column) return f.type;
    }
  }
  return std::nullopt;
}

namespace {

bool Passes(const Value& v, const ScanFilter& f) {
  if (v.is_null()) return false;
  if (f.min && CompareValues(v, *f.min) < 0) return false;
  if (f.max && CompareValues(v, *f.max) > 0) return false;
  return true;
}

// Whether [lo, hi] (either may be unknown) can hold a value the filter passes.
bool RangeMayPass(const std::optional<Value>& lo, const std::optional<Value>& hi, const ScanFilter& f) {
  if (f.min && hi && CompareValues(*hi, *f.min) < 0) return false;
  if (f.max && lo && CompareValues(*lo, *f.max) > 0) return false;
  return true;
}

// Whether the rows of partition folder `folder` (a "key=value" name) may pass the filters: false only when
// its name proves that none can.
bool FolderMayPass(const std::string& folder, const files::SchemaSidecar& sidecar,
                   const std::vector<ScanFilter>& filters) {
  if (folder.empty() || sidecar.partition_by.empty()) return true;
  size_t eq = folder.find('=');
  if (eq == std::string::npos || folder.substr(0, eq) != files::SafeFileName(sidecar.partition_key)) return true;
  const std::string value = folder.substr(eq + 1);
  auto type = SidecarType(sidecar, sidecar.partition_by);
  if (!type) return true;
  for (const auto& f : filters) {
    if (f.column != sidecar.partition_by) continue;
    if (value == files::SafeFileName(files::kNullPartitionValue)) return false;  // NULL passes no filter
    // A name the encoding changed (escapes, a shortened long value) is not the value's text: no conclusion.
    if (files::SafeFileName(value) != value) return true;
    const std::string& granularity = sidecar.partition_granularity;
    if (granularity.empty() || granularity == "value") {
      auto v = ValueFromText(value, *type);
      if (v && !Passes(*v, f)) return false;
      continue;
    }
    // year, month or day of a date or timestamp: the days the folder covers.
    std::optional<int32_t> first, last;
    auto year = core::ParseInt64(value.substr(0, value.find('-', 1)));
    if (granularity == "day") {
      first = last = core::ParseDate(value);
    } else if (year && *year > INT32_MIN / 2 && *year < INT32_MAX / 2) {
      auto y = static_cast<int32_t>(*year);
      if (granularity == "year" && value == std::to_string(y)) {
        first = core::DaysFromCivil({y, 1, 1});
        last = core::DaysFromCivil({y, 12, 31});
      } else if (granularity == "month" && value.size() >= 3 && value[value.size() - 3] == '-') {
        auto m = core::ParseInt64(value.substr(value.size() - 2));
        if (m && *m >= 1 && *m <= 12) {
          auto month = static_cast<uint32_t>(*m);
          first = core::DaysFromCivil({y, month, 1});
          last = core::DaysFromCivil({y, month, core::DaysInMonth(y, month)});
        }
      }
    }
    if (!first || !last) continue;
    constexpr int64_t kDayMicros = int64_t{86400} * 1000000;
    std::optional<Value> lo, hi;
    if (type->id == TypeId::kDate) {
      lo = Value::Date(*first);
      hi = Value::Date(*last);
    } else if (type->id == TypeId::kTimestamp) {
      lo = Value::Timestamp(*first * kDayMicros);
      hi = Value::Timestamp((*last + 1) * kDayMicros - 1);
    }
    if (lo && !RangeMayPass(lo, hi, f)) return false;
  }
  return true;
}

// A file's column as the sidecar types it: the same column when the types agree, else converted value by
// value through its text (the changes EvolveSidecar allows all keep the text's meaning).
core::Result<core::Column> AsType(core::Column column, const LogicalType& type, const ParquetFileDecoder& file,
                                  const std::string& name) {
  if (column.type() == type) return column;
  core::Column out(type);
  out.Reserve(column.size());
  for (size_t i = 0; i < column.size(); ++i) {
    if (!column.IsValid(i)) {
      out.AppendNull();
      continue;
    }
    std::string text = column.GetValue(i).ToString();
    auto v =
        type.id == TypeId::kString ? std::optional<Value>(Value::String(std::move(text))) : ValueFromText(text, type);
    if (!v || !out.AppendValue(*v)) {
      return Fail(ErrorKind::kInvalidInput, "Parquet file '" + file.path().string() + "' stores column '" + name +
                                                "' as " + column.type().ToString() + ", which does not read as the " +
                                                type.ToString() + " the dataset's _schema.json declares");
    }
  }
  return out;
}

// The row groups of a compacted file that hold units read from elsewhere.
core::Result<std::vector<bool>> SkippedGroups(const ParquetFileDecoder& file, const std::set<std::string>& units) {
  std::vector<bool> skip(file.num_row_groups(), false);
  if (units.empty()) return skip;
  auto listed = CompactedUnits(file.metadata(), file.path());
  if (!listed) return Fail(listed.error());
  size_t g = 0;
  for (const auto& u : *listed) {
    for (int64_t k = 0; k < u.row_groups; ++k, ++g) skip[g] = units.count(u.member.unit) > 0;
  }
  return skip;
}

class DatasetScan {
 public:
  DatasetScan(const files::SchemaSidecar& sidecar, const ScanSpec& spec,
              const std::function<bool(std::vector<Value>&)>& visit)
      : sidecar_(sidecar), spec_(spec), visit_(visit) {}

  // False in *go_on when the visitor ended the scan.
  core::Status File(ParquetFileDecoder& file, const std::set<std::string>& skip_units, bool& go_on) {
    std::vector<std::optional<size_t>> filter_cols, out_cols;
    for (const auto& f : spec_.filters) {
      auto c = file.FindColumn(f.column);
      if (!c) return core::Ok();  // the column is NULL in every row of this file: no row passes
      filter_cols.push_back(c);
    }
    for (const auto& name : spec_.columns) out_cols.push_back(file.FindColumn(name));
    auto skipped = SkippedGroups(file, skip_units);
    if (!skipped) return Fail(skipped.error());

    for (size_t g = 0; g < file.num_row_groups() && go_on; ++g) {
      const int64_t rows = file.num_rows(g);
      if ((*skipped)[g] || rows == 0 || !GroupMayPass(file, g, filter_cols)) continue;
      if (spec_.skip_row_group && spec_.skip_row_group(file, g)) continue;
      std::map<size_t, core::Column> decoded;  // this row group's columns, by file column
      auto column = [&](size_t c, const std::string& name) -> core::Result<const core::Column*> {
        if (auto it = decoded.find(c); it != decoded.end()) return &it->second;
        auto read = file.ReadColumn(g, c);
        if (!read) return Fail(read.error());
        auto typed = AsType(std::move(*read), *SidecarType(sidecar_, name), file, name);
        if (!typed) return Fail(typed.error());
        return &decoded.emplace(c, std::move(*typed)).first->second;
      };
      // The filters first: the other columns are decoded only when some row passes.
      std::vector<uint8_t> pass(static_cast<size_t>(rows), 1);
      bool any = true;
      for (size_t i = 0; i < spec_.filters.size() && any; ++i) {
        auto col = column(*filter_cols[i], spec_.filters[i].column);
        if (!col) return Fail(col.error());
        any = false;
        for (size_t r = 0; r < pass.size(); ++r) {
          if (pass[r] && !Passes((*col)->GetValue(r), spec_.filters[i])) pass[r] = 0;
          any = any || pass[r];
        }
      }
      if (!any) continue;
      std::vector<const core::Column*> cols(spec_.columns.size(), nullptr);
      for (size_t k = 0; k < spec_.columns.size(); ++k) {
        if (!out_cols[k]) continue;
        auto col = column(*out_cols[k], spec_.columns[k]);
        if (!col) return Fail(col.error());
        cols[k] = *col;
      }
      for (size_t r = 0; r < pass.size() && go_on; ++r) {
        if (!pass[r]) continue;
        row_.clear();
        for (size_t k = 0; k < cols.size(); ++k) {
          row_.push_back(cols[k] ? cols[k]->GetValue(r) : Value::Null(spec_.types[k]));
        }
        go_on = visit_(row_);
      }
    }
    return core::Ok();
  }

 private:
  // Whether the row group's statistics allow a row to pass every filter.
  bool GroupMayPass(const ParquetFileDecoder& file, size_t g, const std::vector<std::optional<size_t>>& cols) const {
    for (size_t i = 0; i < spec_.filters.size(); ++i) {
      size_t c = *cols[i];
      auto stats = file.Statistics(g, c);
      if (stats.null_count && *stats.null_count >= file.num_rows(g)) return false;
      // Bounds of the file's own type order the sidecar's values only when the types agree.
      if (file.column_type(c) != *SidecarType(sidecar_, spec_.filters[i].column)) continue;
      if (!RangeMayPass(stats.min, stats.max, spec_.filters[i])) return false;
    }
    return true;
  }

  const files::SchemaSidecar& sidecar_;
  const ScanSpec& spec_;
  const std::function<bool(std::vector<Value>&)>& visit_;
  std::vector<Value> row_;
};

}  // namespace

core::Status ScanDataset(const fs::path& dir, const files::SchemaSidecar& sidecar, const ScanSpec& spec,
                         const std::function<bool(std::vector<Value>& row)>& visit) {
  for (const auto& f : spec.filters) {
    if (f.impossible) return core::Ok();
    if (!SidecarType(sidecar, f.column)) {
      return Fail(ErrorKind::kInternal, "a Parquet scan filters on '" + f.column + "', which the dataset lacks");
    }
  }
  if (spec.columns.empty()) return core::Ok();
  ParquetFormat format(ParquetSettings{});  // only its name and merger are used: listing reads no settings
  files::DatasetFolder folder;
  if (auto st = folder.Scan(dir, format, /*alone=*/false, nullptr); !st) return st;
  DatasetScan scan(sidecar, spec, visit);
  bool go_on = true;
  for (const auto& f : spec.versioned ? folder.VersionsToRead(spec.as_of_us) : folder.FilesToRead()) {
    if (!go_on) break;
    if (!FolderMayPass(f.folder, sidecar, spec.filters)) continue;
    fs::path path = folder.Path(f.folder) / f.name;
    auto file = ParquetFileDecoder::Open(path);
    if (!file) {
      if (!files::PathExists(path)) {
        return Fail(ErrorKind::kTransient, "'" + path.string() +
                                               "' went away while the dataset was read (a sync or a compaction "
                                               "changed it); read again");
      }
      return Fail(file.error());
    }
    if (auto st = scan.File(**file, f.skip_units, go_on); !st) return st;
  }
  return core::Ok();
}

}  // namespace datasync::storage::parquet
