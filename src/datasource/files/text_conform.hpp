// TextConformer: the records of a delimited text file (delimited_reader.hpp) into a ColumnBatch typed by a
// dataset's schema, for providers whose vendor delivers files rather than JSON (a bulk archive of klines, a
// folder another system drops CSV into). It maps the file's columns to schema fields once, records the drift
// (vendor_fields, missing_fields, extra_fields), and casts every cell by the field's type, as JsonConformer
// does for JSON (json_conform.hpp), with the same spellings accepted:
//   date       "YYYYMMDD", "YYYY-MM-DD"
//   int32/64   integers
//   float64    numbers
//   string     the text as it is
//   bool       true/false, 0/1, Y/N, yes/no, t/f
//   timestamp  text in the given time zone, stored as UTC; or an integer count since the Unix epoch in
//              seconds, milliseconds, microseconds or nanoseconds: the dataset's unit, or with `kAuto` read
//              from the first such value of each column in the file by its digits (10 → s, 13 → ms, 16 → µs,
//              19 → ns), since one vendor may switch units between files (Binance's spot archives, from ms to
//              µs on 2025-01-01)
//   decimal    numeric text at the type's scale, exactly up to 38 digits; refused when wider than the type
// The empty cell is NULL for every type but string. A cell that cannot be read, or a record of another width
// than the columns, is kPermanent (code bad_value / bad_row) naming the line, the field and the value.
//
// Lifecycle: one per file: SetColumns, SetConstant for fields the file names only in its path, AppendRow for
// each data record, then Finish. Thread-safety: none.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/column_batch.hpp"
#include "core/error.hpp"
#include "core/time_zone.hpp"
#include "datasource/provider.hpp"

namespace datasync::datasource::files {

enum class EpochUnit : uint8_t { kAuto, kSeconds, kMillis, kMicros, kNanos };
std::optional<EpochUnit> ParseEpochUnit(std::string_view name);  // auto, s, ms, us, ns
std::string_view EpochUnitName(EpochUnit unit);

class TextConformer {
 public:
  // `tz` reads timestamps written as text without an offset; UTC when null. `prefix` starts every message.
  TextConformer(core::SchemaPtr schema, const core::TimeZone* tz, EpochUnit unit, std::string prefix);

  // The file's columns, in order. "" or "_" skips a column. A name the schema lacks (or already given) is
  // extra: its values are skipped, and it is listed in Page::extra_fields with its control characters escaped.
  void SetColumns(std::span<const std::string> names);
  // A schema field no column fills takes `value` in every row: the symbol of a file that holds one symbol's
  // rows and names it only in its path. kPermanent bad_value when the value does not read as the field's type.
  core::Status SetConstant(std::string_view field, std::string_view value);

  // Whether `cells` read as data under the columns: false when some cell that maps to a number, date,
  // timestamp or bool field is not empty and does not read as one, which is how a header row looks.
  bool ReadsAsData(std::span<const std::string_view> cells) const;

  // One record; `line` names it in messages.
  core::Status AppendRow(std::span<const std::string_view> cells, size_t line);
  size_t rows() const { return rows_; }
  void ReserveRows(size_t rows) { page_.batch.Reserve(rows); }

  // The epoch unit each timestamp column was read in, "open_time: ms", for those read from integers.
  std::vector<std::string> EpochUnitsUsed() const;

  Page Finish() &&;

 private:
  struct Target {
    int column = -1;  // < 0: not in the schema (or skipped)
  };
  core::SchemaPtr schema_;
  core::TimeZone utc_;
  const core::TimeZone* tz_;
  EpochUnit unit_;
  std::string prefix_;
  Page page_;
  std::vector<Target> targets_;
  std::vector<bool> mapped_;
  std::vector<EpochUnit> epoch_units_;  // per schema column: the unit found (kAuto: none yet)
  std::vector<std::optional<std::string>> constants_;  // per schema column
  size_t rows_ = 0;
};

}  // namespace datasync::datasource::files
