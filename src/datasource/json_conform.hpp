// JsonConformer: the rows of one JSON response into a ColumnBatch typed by a dataset's schema, for every
// provider whose vendor answers JSON (ARCHITECTURE §3: "conform to Dataset schema (cast, detect drift)").
// The provider parses the body (simdjson DOM) and reads its own envelope (Tushare: code/msg/data{fields,
// items,has_more}); the conformer maps the vendor's field names to schema columns once, records the
// drift (vendor_fields, missing_fields, extra_fields), and casts every cell by the column's logical type.
//
// Lifecycle: one per response: AddField for each vendor field in order (or let the first object row name
// them), AppendArrayRow or AppendObjectRow for each row, then Finish. Thread-safety: none; each decode builds its own.
//
// simdjson stays out of this header (simdjson::dom::element is only declared): callers are .cpp files
// that parse with simdjson themselves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/column_batch.hpp"
#include "core/error.hpp"
#include "core/time_zone.hpp"
#include "datasource/provider.hpp"

namespace simdjson::dom {
class element;
}

namespace datasync::datasource {

// How messages name the response's parts, so that they read in the vendor's own terms:
//   "<prefix>items[3] field 'close': cannot read "x" as float64; ..."
struct ConformLabels {
  std::string prefix;               // starts every message: "tushare daily: "
  std::string rows = "items";       // the array of rows
  std::string fields = "'fields'";  // what names the row arrays' columns
};

// Conversions by the schema's type (JSON null, and "" for every type but string, become NULL):
//   date       "YYYYMMDD", "YYYY-MM-DD", or an integer 20240102
//   int32/64   integers, integral floats, numeric strings ("1")
//   float64    numbers or numeric strings
//   string     strings; numbers and booleans as their text
//   bool       true/false, 0/1, "Y"/"N", "1"/"0", "true"/"false"
//   timestamp  text in the given time zone, stored as UTC
//   decimal    numbers or numeric strings at the type's scale, exactly up to 38 digits; refused when wider
//              than the type's precision, or a number with more than 15 significant digits that the parser
//              already rounded to a double, unless the lost digits cannot matter at the scale (decoders
//              quote long numbers first: json_long_numbers.hpp)
// A value that cannot be converted, or a row of the wrong shape, is kPermanent (code bad_value / bad_row)
// naming the row, the field and the value.
class JsonConformer {
 public:
  // `tz` reads timestamps without an offset; UTC when null.
  JsonConformer(core::SchemaPtr schema, const core::TimeZone* tz, ConformLabels labels);
  ~JsonConformer();
  JsonConformer(const JsonConformer&) = delete;
  JsonConformer& operator=(const JsonConformer&) = delete;

  // The vendor's next field, in the order array rows hold their values. A name the schema lacks (or has
  // already been given) is extra: its values are skipped, and it is listed in Page::extra_fields with its
  // control characters escaped (EscapeControls), since those names end up in logs and messages.
  void AddField(std::string_view name);
  void ReserveRows(size_t rows);

  // One row as an array of values in field order (Tushare's items); kPermanent bad_row when it is not an
  // array or has another width than the fields.
  core::Status AppendArrayRow(const simdjson::dom::element& row);
  // One row as an object keyed by field name. The first object declares the fields (its keys, in order)
  // when AddField was never called; later objects may leave keys out (NULL) or carry undeclared keys
  // (ignored).
  core::Status AppendObjectRow(const simdjson::dom::element& row);

  size_t rows() const { return rows_; }

  // After a bad_value failure: the row (as numbered in messages) and the vendor field's position of the
  // cell that could not be read, so the caller can say where in the body it was.
  struct Cell {
    size_t row = 0;
    size_t field = 0;
  };
  std::optional<Cell> failed_cell() const { return failed_cell_; }

  // The page: the batch (schema fields the vendor never named are NULL in every row) and the drift.
  Page Finish() &&;

 private:
  struct Target {
    int column = -1;  // < 0: not in the schema
    core::TypeId type = core::TypeId::kString;
    uint8_t scale = 0;
  };
  core::Status BadValue(const Target& t, size_t field, const simdjson::dom::element& cell);
  std::string RowName() const;  // "<prefix>items[7]"

  core::SchemaPtr schema_;
  core::TimeZone utc_;
  const core::TimeZone* tz_;
  ConformLabels labels_;
  Page page_;
  std::vector<Target> targets_;  // one per vendor field
  std::vector<bool> mapped_;     // per schema column
  size_t rows_ = 0;
  std::optional<Cell> failed_cell_;
};

// An integer in any JSON form (integer, integral float, numeric string), when it is exactly one; for
// envelope members such as a status code or a has_more flag.
std::optional<int64_t> JsonInteger(const simdjson::dom::element& e);

}  // namespace datasync::datasource
