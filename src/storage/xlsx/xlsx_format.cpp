#include "storage/xlsx/xlsx_format.hpp"

#include <xlsxwriter.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>

#include "core/dates.hpp"
#include "core/strings.hpp"
#include "storage/xlsx/xlsx_sink.hpp"

namespace datasync::storage::xlsx {

using core::ErrorKind;
using core::Fail;
using core::TypeId;

namespace {

constexpr size_t kMaxTextChars = 32767;  // Excel's limit for one cell
constexpr uint16_t kMaxColumns = 16384;
constexpr int64_t kMaxExactInteger = int64_t{1} << 53;
// 3,000,000 days from 1970: beyond 9999-12-31 either way, and far from int64's ends.
constexpr int64_t kMaxExcelMicros = int64_t{3000000} * 86400 * 1000000;

int64_t FloorDiv(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

bool IsHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F') || (c >= 'a' && c <= 'f');
}

size_t Utf8Chars(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The first `chars` characters of valid UTF-8 text.
std::string_view Utf8Prefix(std::string_view s, size_t chars) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (n == chars) return s.substr(0, i);
      ++n;
    }
  }
  return s;
}

std::string ShortestText(double v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

// libxlsxwriter prints numbers with "%.16G"; a double whose shortest exact text has at most 16
// significant digits reads back identical from that.
bool FitsSixteenDigits(double v) {
  char buf[32];
  auto res = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
  int digits = 0;
  for (char* p = buf; p < res.ptr && *p != 'e'; ++p) digits += (*p >= '0' && *p <= '9');
  return digits <= 16;
}

std::string LxwMessage(lxw_error e) {
  return lxw_strerror(e);
}

class XlsxWriter final : public files::RowFormatWriter {
 public:
  XlsxWriter(const XlsxSettings& settings, const core::Schema& schema) : settings_(settings), schema_(schema) {}
  ~XlsxWriter() override {
    if (workbook_) lxw_workbook_free(workbook_);
  }

  bool WritesOwnFile() const override { return true; }
  core::Status Begin(std::string&) override { return Fail(ErrorKind::kInternal, "xlsx writes its own file"); }

  core::Status BeginFile(const std::filesystem::path& temp_path) override {
    if (schema_.size() > kMaxColumns) {
      return Fail(ErrorKind::kConfig, "the dataset has " + std::to_string(schema_.size()) +
                                          " fields; an Excel sheet holds at most 16384 columns");
    }
    path_ = temp_path.string();
    lxw_workbook_options options{};
    options.constant_memory = LXW_TRUE;
    options.use_zip64 = LXW_TRUE;
    workbook_ = workbook_new_opt(path_.c_str(), &options);
    if (!workbook_) return Fail(ErrorKind::kTransient, "cannot start an xlsx workbook (out of memory?)");
    bold_ = workbook_add_format(workbook_);
    format_set_bold(bold_);
    date_ = workbook_add_format(workbook_);
    format_set_num_format(date_, "yyyy-mm-dd");
    timestamp_ = workbook_add_format(workbook_);
    format_set_num_format(timestamp_, "yyyy-mm-dd hh:mm:ss.000");
    for (const auto& f : schema_.fields()) {
      if (f.type.id == TypeId::kDecimal && f.type.precision <= 15 && !decimal_.count(f.type.scale)) {
        std::string fmt = f.type.scale ? "0." + std::string(f.type.scale, '0') : "0";
        lxw_format* format = workbook_add_format(workbook_);
        format_set_num_format(format, fmt.c_str());
        decimal_[f.type.scale] = format;
      }
    }
    return NewSheet();
  }

  core::Status WriteRows(const core::ColumnBatch& batch, std::span<const uint32_t> rows, std::string&) override {
    for (uint32_t r : rows) {
      if (row_ >= settings_.max_rows_per_sheet) {
        if (auto st = NewSheet(); !st) return st;
      }
      for (size_t c = 0; c < batch.num_columns(); ++c) {
        if (auto st = WriteCell(batch.column(c), r, static_cast<lxw_col_t>(c)); !st) return st;
      }
      ++row_;
    }
    return core::Ok();
  }

  core::Status End(std::string&) override {
    lxw_error e = workbook_close(workbook_);
    workbook_ = nullptr;  // closed (and freed) whatever the outcome
    if (e != LXW_NO_ERROR) {
      return Fail(ErrorKind::kTransient, "cannot write the xlsx file '" + path_ + "': " + LxwMessage(e));
    }
    return core::Ok();
  }

 private:
  core::Status NewSheet() {
    ++sheets_;
    std::string name = sheets_ == 1 ? settings_.sheet_name : settings_.sheet_name + "_" + std::to_string(sheets_);
    sheet_ = workbook_add_worksheet(workbook_, name.c_str());
    if (!sheet_) return Fail(ErrorKind::kConfig, "cannot add a sheet named '" + name + "'");
    for (size_t c = 0; c < schema_.size(); ++c) {
      if (auto st = Text(0, static_cast<lxw_col_t>(c), schema_.field(c).name, bold_); !st) return st;
    }
    row_ = 1;
    return core::Ok();
  }

  core::Status Check(lxw_error e, lxw_col_t col) const {
    if (e == LXW_NO_ERROR) return core::Ok();
    return Fail(ErrorKind::kInvalidInput, "xlsx cell in column '" + schema_.field(col).name + "': " + LxwMessage(e));
  }

  core::Status Number(lxw_col_t col, double v, lxw_format* format) {
    return Check(worksheet_write_number(sheet_, row_, col, v, format), col);
  }

  core::Status Text(lxw_row_t row, lxw_col_t col, std::string_view raw, lxw_format* format = nullptr) {
    std::string repaired;
    if (!core::IsValidUtf8(raw)) {
      repaired = core::RepairUtf8(raw);
      raw = repaired;
    }
    if (Utf8Chars(raw) > kMaxTextChars) {
      if (!settings_.truncate_long_text) {
        return Fail(ErrorKind::kInvalidInput,
                    "text of " + std::to_string(Utf8Chars(raw)) + " characters in column '" + schema_.field(col).name +
                        "' exceeds Excel's 32767 per cell; set long_text: truncate on the storage, or use csv or "
                        "parquet for this dataset");
      }
      raw = Utf8Prefix(raw, kMaxTextChars);
    }
    std::string text = ProtectXstring(raw);
    return Check(worksheet_write_string(sheet_, row, col, text.c_str(), format), col);
  }

  core::Status WriteCell(const core::Column& column, uint32_t r, lxw_col_t col) {
    if (!column.IsValid(r)) return core::Ok();
    switch (column.type().id) {
      case TypeId::kBool: return Check(worksheet_write_boolean(sheet_, row_, col, column.GetBool(r), nullptr), col);
      case TypeId::kInt32: return Number(col, column.GetInt32(r), nullptr);
      case TypeId::kInt64: {
        int64_t v = column.GetInt64(r);
        if (v >= -kMaxExactInteger && v <= kMaxExactInteger) return Number(col, static_cast<double>(v), nullptr);
        return Text(row_, col, std::to_string(v));
      }
      case TypeId::kFloat64: {
        double v = column.GetFloat64(r);
        if (!std::isfinite(v)) return core::Ok();
        if (v == 0) return Number(col, 0.0, nullptr);
        if (FitsSixteenDigits(v)) return Number(col, v, nullptr);
        return Text(row_, col, ShortestText(v));
      }
      case TypeId::kString: return Text(row_, col, column.GetString(r));
      case TypeId::kDate: {
        int32_t days = column.GetInt32(r);
        if (auto serial = ExcelSerial(days)) return Number(col, *serial, date_);
        return Text(row_, col, core::FormatIsoDate(days));
      }
      case TypeId::kTimestamp: {
        int64_t micros = column.GetInt64(r);
        // Far outside Excel's calendar (and near int64's ends, where rounding would overflow): text.
        if (micros > kMaxExcelMicros || micros < -kMaxExcelMicros)
          return Text(row_, col, core::FormatTimestamp(micros));
        int64_t millis = FloorDiv(micros + 500, 1000);  // to the nearest millisecond, halves up
        int64_t day = FloorDiv(millis, 86400000);
        auto serial = day >= INT32_MIN && day <= INT32_MAX ? ExcelSerial(static_cast<int32_t>(day)) : std::nullopt;
        if (!serial) return Text(row_, col, core::FormatTimestamp(micros));
        double fraction = static_cast<double>(millis - day * 86400000) / 86400000.0;
        return Number(col, *serial + fraction, timestamp_);
      }
      case TypeId::kDecimal: {
        const auto& t = column.type();
        std::string text = column.DecimalText(r);  // exact at any precision; a number cell only up to 15 digits
        if (t.precision <= 15) return Number(col, std::strtod(text.c_str(), nullptr), decimal_.at(t.scale));
        return Text(row_, col, text);
      }
    }
    return core::Ok();
  }

  const XlsxSettings& settings_;
  const core::Schema& schema_;  // the sink's bound schema, which outlives its writers
  std::string path_;
  lxw_workbook* workbook_ = nullptr;
  lxw_worksheet* sheet_ = nullptr;
  lxw_format* bold_ = nullptr;
  lxw_format* date_ = nullptr;
  lxw_format* timestamp_ = nullptr;
  std::map<uint8_t, lxw_format*> decimal_;  // by scale
  uint32_t row_ = 0;
  int sheets_ = 0;
};

}  // namespace

std::optional<double> ExcelSerial(int32_t days) {
  static const int32_t kFirst = core::DaysFromCivil({1900, 1, 1});
  static const int32_t kLeapBug = core::DaysFromCivil({1900, 3, 1});
  static const int32_t kLast = core::DaysFromCivil({9999, 12, 31});
  if (days < kFirst || days > kLast) return std::nullopt;
  // Excel counts 1900-01-01 as day 1 and believes in 1900-02-29 (serial 60), so from March 1900 on the
  // serial is one more than the real day count.
  return static_cast<double>(days - kFirst + 1 + (days >= kLeapBug ? 1 : 0));
}

std::string ProtectXstring(std::string_view s) {
  std::string out;
  size_t start = 0;
  bool changed = false;
  for (size_t i = 0; i + 7 <= s.size(); ++i) {
    if (s[i] == '_' && s[i + 1] == 'x' && IsHex(s[i + 2]) && IsHex(s[i + 3]) && IsHex(s[i + 4]) && IsHex(s[i + 5]) &&
        s[i + 6] == '_') {
      out.append(s.substr(start, i - start));
      out.append("_x005F");
      start = i;
      changed = true;
    }
  }
  if (!changed) return std::string(s);
  out.append(s.substr(start));
  return out;
}

std::optional<std::string> SheetNameProblem(std::string_view name) {
  // Excel's rules: 1 to 31 characters, none of []:*?/\, no apostrophe first or last, and not "History",
  // which Excel keeps for itself (libxlsxwriter's workbook_add_worksheet refuses all but the last). We stop
  // at 28 so that the overflow sheets "<name>_2" ... "<name>_99" fit too.
  std::string quoted = "'" + std::string(name) + "'";
  if (name.empty()) return "is empty; Excel needs a sheet name of 1 to 28 characters";
  if (!core::IsValidUtf8(name)) return "is not valid UTF-8";
  if (size_t n = Utf8Chars(name); n > 28) {
    return quoted + " has " + std::to_string(n) +
           " characters; at most 28 (Excel allows 31, and rows beyond max_rows_per_sheet continue on sheets "
           "named <sheet_name>_2, _3, ...)";
  }
  if (auto bad = name.find_first_of("[]:*?/\\"); bad != std::string_view::npos) {
    return quoted + " contains '" + std::string(1, name[bad]) +
           "', which Excel does not allow in a sheet name (none of [ ] : * ? / \\)";
  }
  if (name.front() == '\'' || name.back() == '\'') {
    return quoted + " starts or ends with an apostrophe, which Excel does not allow in a sheet name";
  }
  if (core::ToLower(name) == "history") return quoted + " is reserved by Excel; choose another sheet name";
  return std::nullopt;
}

XlsxSettings ReadXlsxSettings(const core::Options& options, core::OptionProblems& problems) {
  // The table's rules (long_text's values, max_rows_per_sheet's range), then the sheet name's.
  auto from_table = core::CheckOptionValues(options, XlsxSinkOptions());
  bool rows_refused =
      std::any_of(from_table.begin(), from_table.end(), [](const auto& p) { return p.key == kMaxRowsPerSheet.name; });
  problems.insert(problems.end(), from_table.begin(), from_table.end());
  XlsxSettings s;
  std::string sheet_name = options.Get(kSheetName);
  if (auto problem = SheetNameProblem(sheet_name)) {
    problems.push_back({"sheet_name", std::move(*problem)});
  } else {
    s.sheet_name = std::move(sheet_name);
  }
  s.truncate_long_text = options.Get(kLongText) == "truncate";
  if (!rows_refused) s.max_rows_per_sheet = static_cast<uint32_t>(options.Get(kMaxRowsPerSheet));
  return s;
}

core::Result<XlsxSettings> XlsxSettingsFromOptions(const core::Options& options) {
  core::OptionProblems problems;
  XlsxSettings s = ReadXlsxSettings(options, problems);
  if (auto st = core::ProblemsToStatus(problems, "option "); !st) return core::Fail(st.error());
  return s;
}

std::vector<std::pair<std::string, std::string>> XlsxFormat::ReaderSettings() const {
  return {
      {"header", "true"},
      {"sheets", "rows continue on <sheet>_2, <sheet>_3, ... past max_rows_per_sheet"},
      {"int64", "number up to 2^53, text beyond"},
      {"float64", "number; text when 16 digits cannot hold it; NaN and Infinity empty"},
      {"decimal", "number when precision <= 15, else text"},
      {"timestamp", "date-time serial (UTC), milliseconds"},
      {"text_escapes", "_xHHHH_ (OOXML)"},
  };
}

std::unique_ptr<files::RowFormatWriter> XlsxFormat::NewWriter(const core::Schema& schema) const {
  return std::make_unique<XlsxWriter>(settings_, schema);
}

}  // namespace datasync::storage::xlsx
