#include "storage/csv/csv_format.hpp"

#include <charconv>
#include <cmath>

#include "core/dates.hpp"
#include "core/double_text.hpp"
#include "core/strings.hpp"
#include "storage/csv/csv_sink.hpp"

namespace datasync::storage::csv {

using core::ErrorKind;
using core::Fail;
using core::TypeId;

CsvSettings ReadCsvSettings(const core::Options& options, core::OptionProblems& problems) {
  // The table's rules (line_ending, quoting and compression are enums), then the ones it cannot state.
  auto from_table = core::CheckOptionValues(options, CsvSinkOptions());
  problems.insert(problems.end(), from_table.begin(), from_table.end());
  CsvSettings s;
  bool delimiter_ok = false;
  std::string delimiter = options.Get(kDelimiter);
  // YAML users often cannot type a literal tab; accept the usual spellings.
  if (delimiter == "\\t" || delimiter == "tab") delimiter = "\t";
  if (delimiter.size() != 1 || static_cast<unsigned char>(delimiter[0]) >= 0x80) {
    problems.push_back(
        {"delimiter", "must be exactly one ASCII character (e.g. ',', ';', '|', tab), got '" + delimiter + "'"});
  } else if (delimiter[0] == '"' || delimiter[0] == '\r' || delimiter[0] == '\n') {
    problems.push_back({"delimiter", "cannot be a quote, CR or LF"});
  } else {
    s.delimiter = delimiter[0];
    delimiter_ok = true;
  }
  s.header = options.Get(kHeader);
  std::string null_marker = options.Get(kNullMarker);
  bool ambiguous = false;
  for (char c : null_marker) {
    ambiguous = ambiguous || (delimiter_ok && c == s.delimiter) || c == '"' || c == '\r' || c == '\n';
  }
  if (ambiguous) {
    problems.push_back({"null_marker",
                        "cannot contain the delimiter, a quote, CR or LF (it is never quoted, so "
                        "that a quoted field is always a string)"});
  } else {
    s.null_marker = std::move(null_marker);
  }
  s.crlf = options.Get(kLineEnding) == "crlf";
  s.bom = options.Get(kBom);
  std::string quoting = options.Get(kQuoting);
  s.quoting = quoting == "strings" ? CsvQuoting::kStrings : quoting == "all" ? CsvQuoting::kAll : CsvQuoting::kMinimal;
  if (auto compression = files::ParseCompression(options.Get(kCompression))) s.compression = *compression;
  return s;
}

core::Result<CsvSettings> CsvSettingsFromOptions(const core::Options& options) {
  core::OptionProblems problems;
  CsvSettings s = ReadCsvSettings(options, problems);
  if (auto st = core::ProblemsToStatus(problems, "option "); !st) return core::Fail(st.error());
  return s;
}

namespace {

class CsvWriter final : public files::RowFormatWriter {
 public:
  CsvWriter(const CsvSettings& settings, const core::Schema& schema) : settings_(settings), schema_(schema) {
    newline_ = settings.crlf ? "\r\n" : "\n";
  }

  core::Status Begin(std::string& out) override {
    if (settings_.bom) out.append("\xEF\xBB\xBF");
    if (!settings_.header) return core::Ok();
    for (size_t c = 0; c < schema_.size(); ++c) {
      if (c) out.push_back(settings_.delimiter);
      AppendText(out, schema_.field(c).name, settings_.quoting != CsvQuoting::kMinimal);
    }
    out.append(newline_);
    return core::Ok();
  }

  core::Status WriteRows(const core::ColumnBatch& batch, std::span<const uint32_t> rows, std::string& out) override {
    const size_t ncols = batch.num_columns();
    for (uint32_t r : rows) {
      for (size_t c = 0; c < ncols; ++c) {
        if (c) out.push_back(settings_.delimiter);
        AppendCell(out, batch.column(c), r);
      }
      out.append(newline_);
    }
    return core::Ok();
  }

  core::Status End(std::string&) override { return core::Ok(); }

 private:
  // Quotes when RFC 4180 requires it, when the text would read back as NULL, or when forced.
  void AppendText(std::string& out, std::string_view s, bool force = false) const {
    bool quote = force || s == settings_.null_marker;
    if (!quote) {
      for (char ch : s) {
        if (ch == settings_.delimiter || ch == '"' || ch == '\r' || ch == '\n') {
          quote = true;
          break;
        }
      }
    }
    if (!quote) {
      out.append(s);
      return;
    }
    out.push_back('"');
    size_t start = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '"') {
        out.append(s.substr(start, i + 1 - start));
        out.push_back('"');
        start = i + 1;
      }
    }
    out.append(s.substr(start));
    out.push_back('"');
  }

  template <class T>
  static void AppendNumber(std::string& out, T v) {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, res.ptr);
  }

  void AppendCell(std::string& out, const core::Column& col, size_t r) {
    if (!col.IsValid(r)) {
      out.append(settings_.null_marker);
      return;
    }
    if (col.type().id == core::TypeId::kString) {
      AppendText(out, col.GetString(r), settings_.quoting != CsvQuoting::kMinimal);
      return;
    }
    if (settings_.quoting == CsvQuoting::kAll) {
      // Numbers, dates and bools never contain a quote: wrap the plain text.
      out.push_back('"');
      AppendPlainCell(out, col, r);
      out.push_back('"');
      return;
    }
    if (!plain_may_clash_) {
      AppendPlainCell(out, col, r);
      return;
    }
    // The delimiter or the null marker could be part of this value's text ('-' in -5 and in dates, ' ' in
    // timestamps, a null marker "0"): quote the text by the same rule as strings.
    scratch_.clear();
    AppendPlainCell(scratch_, col, r);
    AppendText(out, scratch_);
  }

  // Whether the text of a number, date, timestamp, decimal or bool could hold the delimiter or equal the
  // null marker: they are written with these characters only.
  static bool PlainMayClash(const CsvSettings& s) {
    // Digits, signs, '.', ':', ' ', exponents, and the letters of true, false, NaN and Infinity.
    constexpr std::string_view kPlainChars = "0123456789+-.: eEtruefalsNIinity";
    if (kPlainChars.find(s.delimiter) != std::string_view::npos) return true;
    return !s.null_marker.empty() && s.null_marker.find_first_not_of(kPlainChars) == std::string::npos;
  }

  void AppendPlainCell(std::string& out, const core::Column& col, size_t r) const {
    switch (col.type().id) {
      case TypeId::kBool: out.append(col.GetBool(r) ? "true" : "false"); return;
      case TypeId::kInt32: AppendNumber(out, col.GetInt32(r)); return;
      case TypeId::kInt64: AppendNumber(out, col.GetInt64(r)); return;
      case TypeId::kFloat64: {
        double v = col.GetFloat64(r);
        if (std::isnan(v))
          out.append("NaN");
        else if (std::isinf(v))
          out.append(v > 0 ? "Infinity" : "-Infinity");
        else
          core::AppendShortestDouble(out, v);  // shortest round-trip text, like core::FormatDouble
        return;
      }
      case TypeId::kString: AppendText(out, col.GetString(r)); return;
      case TypeId::kDate: core::AppendIsoDate(out, col.GetInt32(r)); return;
      case TypeId::kTimestamp: out.append(core::FormatTimestamp(col.GetInt64(r))); return;
      case TypeId::kDecimal: out.append(col.DecimalText(r)); return;
    }
  }

  const CsvSettings settings_;
  const core::Schema& schema_;  // the sink's bound schema, which outlives its writers
  std::string_view newline_;
  const bool plain_may_clash_ = PlainMayClash(settings_);
  std::string scratch_;  // one cell's text, when it must be checked before it is written
};

}  // namespace

std::vector<std::pair<std::string, std::string>> CsvFormat::ReaderSettings() const {
  return {
      {"delimiter", std::string(1, settings_.delimiter)},
      {"quote", "\""},
      {"header", settings_.header ? "true" : "false"},
      {"null_marker", settings_.null_marker},
      {"null_rule", "an unquoted field equal to null_marker is NULL; a quoted one is a string"},
      {"line_ending", settings_.crlf ? "crlf" : "lf"},
      {"bom", settings_.bom ? "true" : "false"},
      {"encoding", "utf-8"},
      {"compression", std::string(files::CompressionName(settings_.compression))},
  };
}

std::unique_ptr<files::RowFormatWriter> CsvFormat::NewWriter(const core::Schema& schema) const {
  return files::CompressWriter(std::make_unique<CsvWriter>(settings_, schema), settings_.compression);
}

}  // namespace datasync::storage::csv
