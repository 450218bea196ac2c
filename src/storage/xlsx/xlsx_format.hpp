// XlsxFormat: each part file is an Excel workbook (.xlsx) written by libxlsxwriter in constant-memory mode
// (rows stream to a temp file; memory stays flat), with a bold header row of field names and typed cells,
// so Excel, openpyxl and pandas see numbers, dates and text rather than strings of digits.
//
// Excel has one number type (a double shown with 15 digits) and no NULL, NaN or time zones, so:
//   bool -> boolean; int32 -> number; int64 -> number up to 2^53 in magnitude, beyond it text (exact digits);
//   float64 -> number when 16 significant digits hold it exactly (what libxlsxwriter writes), else text
//   (the shortest exact form); NaN and +/-Infinity -> empty; -0.0 -> 0;
//   decimal(p,s) -> number with a 0.00 format when p <= 15, else text; string -> text (at most 32,767
//   characters: longer text fails the write, or is cut with long_text: truncate; an empty string is an
//   empty cell, which Excel cannot tell apart);
//   date -> date serial with a yyyy-mm-dd format; timestamp (UTC) -> date-time serial with a
//   yyyy-mm-dd hh:mm:ss.000 format, rounded to the millisecond (Excel's resolution); dates and timestamps
//   before 1900-01-01 or after 9999-12-31 -> ISO text; NULL -> empty cell.
// Control characters in text are stored as _xHHHH_ escapes (the OOXML rule), and text that already looks
// like such an escape is protected as _x005F_xHHHH_, so Excel shows every string as written.
// A sheet holds at most 1,048,576 rows (Excel's limit) including its header; more rows continue on
// sheets "<sheet>_2", "<sheet>_3", ... of the same file, each with the header.
// Immutable after construction; each writer is used by one thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/options.hpp"
#include "storage/files/row_format.hpp"

namespace datasync::storage::xlsx {

struct XlsxSettings {
  std::string sheet_name = "data";
  bool truncate_long_text = false;
  uint32_t max_rows_per_sheet = 1048576;  // Excel's limit; tests lower it to see the roll-over
};

// Reads sheet_name, long_text and max_rows_per_sheet; a value Excel would refuse adds a problem and
// leaves that setting at its default. The one place these rules live: the sink's validate and its Bind
// both come here.
XlsxSettings ReadXlsxSettings(const core::Options& options, core::OptionProblems& problems);
// ReadXlsxSettings, failing with kConfig when there is a problem.
core::Result<XlsxSettings> XlsxSettingsFromOptions(const core::Options& options);
// Why Excel would refuse `name` as a sheet name (1 to 28 characters here, none of []:*?/\, no apostrophe
// first or last, not "History"), or nullopt when it is fine.
std::optional<std::string> SheetNameProblem(std::string_view name);

class XlsxFormat final : public files::RowFormat {
 public:
  explicit XlsxFormat(XlsxSettings settings) : settings_(std::move(settings)) {}

  std::string_view name() const override { return "xlsx"; }
  std::string_view extension() const override { return "xlsx"; }
  std::vector<std::pair<std::string, std::string>> ReaderSettings() const override;
  std::unique_ptr<files::RowFormatWriter> NewWriter(const core::Schema& schema) const override;

 private:
  XlsxSettings settings_;
};

// Excel's day serial (1900 date system, with its fictitious 1900-02-29) of a date, or nullopt outside
// 1900-01-01 .. 9999-12-31.
std::optional<double> ExcelSerial(int32_t days);
// `s` with every _xHHHH_ sequence protected as _x005F_xHHHH_ (ECMA-376 Part 1, 22.9.2.19 ST_Xstring).
std::string ProtectXstring(std::string_view s);

}  // namespace datasync::storage::xlsx
