#include "datasource/files/file_format.hpp"

#include <algorithm>

#include "core/excerpt.hpp"
#include "datasource/files/delimited_reader.hpp"

namespace datasync::datasource::files {

namespace {

using core::OptionSpec;
using core::OptionType;

// The delimiter as written: one character, or a tab written "\t" or "tab" (as the csv sink takes it);
// 0 when it is neither.
char DelimiterOf(std::string_view written) {
  if (written == "\\t" || written == "tab") return '\t';
  return written.size() == 1 ? written.front() : '\0';
}

}  // namespace

std::span<const core::OptionSpec> FileFormatOptions() {
  static const std::vector<OptionSpec> specs = {
      {.name = kArchive.name,
       .type = OptionType::kEnum,
       .default_value = "auto",
       .description = "How the file is packed: 'auto' by its name (.zip, .gz), 'zip' (one data member is read), "
                      "'gzip', or 'none'.",
       .allowed = {"auto", "zip", "gzip", "none"}},
      {.name = kMember.name,
       .type = OptionType::kString,
       .description = "The zip member to read, when the archive holds several; default: its only member, or "
                      "its only .csv member."},
      {.name = kDelimiter.name,
       .type = OptionType::kString,
       .default_value = ",",
       .description = "The character between values: one character (',', ';', '|'), or '\\t' or 'tab' for a tab."},
      {.name = kHeader.name,
       .type = OptionType::kEnum,
       .default_value = "auto",
       .description = "Whether the first row names the columns: 'yes', 'no', or 'auto' (with `columns`, a first "
                      "row whose numbers, dates or times do not read as such is a header and skipped; without, "
                      "the first row is the header).",
       .allowed = {"auto", "yes", "no"}},
      {.name = kColumns.name,
       .type = OptionType::kStringList,
       .description = "The schema field each column of the file fills, in the file's order ('_' skips a column); "
                      "default: the header row's names.",
       .example = "[open_time, open, high, low, close, volume, close_time, _]"},
      {.name = kEpochUnit.name,
       .type = OptionType::kEnum,
       .default_value = "auto",
       .description = "The unit of timestamps written as integers since 1970: 's', 'ms', 'us', 'ns', or 'auto' "
                      "(read per file and column from the first value's digits: 13 ms, 16 us), for vendors that "
                      "switch units between files.",
       .allowed = {"auto", "s", "ms", "us", "ns"}},
  };
  return specs;
}

void AppendFileFormatOptions(std::vector<core::OptionSpec>& table) {
  auto format = FileFormatOptions();
  table.insert(table.end(), format.begin(), format.end());
}

void CheckFileFormat(const Dataset& dataset, core::OptionProblems& problems) {
  const core::Options& o = dataset.options;
  if (DelimiterOf(o.Get(kDelimiter)) == '\0') {
    problems.push_back({std::string(kDelimiter.name),
                        "must be one character ('\\t' or 'tab' for a tab), got '" + o.Get(kDelimiter) + "'"});
  }
  const auto columns = o.Get(kColumns);
  if (columns.empty() && o.Get(kHeader) == "no") {
    problems.push_back({std::string(kHeader.name),
                        "a file without a header row needs `columns`: the schema field of each column, in order"});
  }
  if (dataset.schema) {
    for (size_t i = 0; i < columns.size(); ++i) {
      const std::string& c = columns[i];
      if (c.empty() || c == "_" || dataset.schema->IndexOf(c)) continue;
      problems.push_back({std::string(kColumns.name),
                          "columns[" + std::to_string(i) + "] '" + c +
                              "' is not a field of the dataset (add it to the fields, or write _ to skip the column)",
                          c});
    }
  }
}

FileFormat ReadFileFormat(const core::Options& o) {
  FileFormat f;
  const std::string archive = o.Get(kArchive);
  f.archive_by_name = archive == "auto";
  f.archive = archive == "zip" ? ArchiveKind::kZip : archive == "gzip" ? ArchiveKind::kGzip : ArchiveKind::kNone;
  f.member = o.Get(kMember);
  f.delimiter = DelimiterOf(o.Get(kDelimiter));
  if (f.delimiter == '\0') f.delimiter = ',';
  const std::string header = o.Get(kHeader);
  f.header = header == "yes" ? HeaderRow::kYes : header == "no" ? HeaderRow::kNo : HeaderRow::kAuto;
  f.columns = o.Get(kColumns);
  f.epoch_unit = ParseEpochUnit(o.Get(kEpochUnit)).value_or(EpochUnit::kAuto);
  return f;
}

core::Result<Page> DecodeFile(std::string_view bytes, std::string_view name, const FileFormat& format,
                              const Dataset& dataset, const Params& params, const core::TimeZone* tz,
                              const std::string& prefix, size_t max_text_bytes) {
  const ArchiveKind kind = format.archive_by_name ? ArchiveKindOfName(name) : format.archive;
  auto unpacked = Unpack(bytes, kind, name, max_text_bytes, format.member);
  if (!unpacked) {
    core::Error e = unpacked.error();
    e.Context(prefix);
    return tl::unexpected(std::move(e));
  }
  const std::string label = prefix + std::string(name) + (unpacked->member.empty() ? "" : ":" + unpacked->member) + " ";
  TextConformer conformer(dataset.schema, tz, format.epoch_unit, label);
  DelimitedReader reader(unpacked->text, format.delimiter);
  std::vector<std::string_view> cells;
  auto first = reader.Next(cells);
  if (!first) {
    core::Error e = first.error();
    e.Context(label);
    return tl::unexpected(std::move(e));
  }
  bool pending = *first;  // `cells` holds a data record not yet appended
  if (format.columns.empty()) {
    std::vector<std::string> names(cells.begin(), cells.end());
    conformer.SetColumns(names);
    pending = false;
  } else {
    conformer.SetColumns(format.columns);
    if (pending && (format.header == HeaderRow::kYes ||
                    (format.header == HeaderRow::kAuto && !conformer.ReadsAsData(cells)))) {
      pending = false;
    }
  }
  for (const auto& [k, v] : params) {
    if (!k.empty() && k.front() == '_') continue;
    if (auto st = conformer.SetConstant(k, v); !st) return tl::unexpected(st.error());
  }
  // Room for the rows the line breaks promise, up to a million: a file of blank lines reserves no more.
  const size_t lines = static_cast<size_t>(std::count(unpacked->text.begin(), unpacked->text.end(), '\n')) + 1;
  conformer.ReserveRows(std::min<size_t>(lines, size_t{1} << 20));
  for (;;) {
    if (pending) {
      if (auto st = conformer.AppendRow(cells, reader.line()); !st) return tl::unexpected(st.error());
    }
    auto next = reader.Next(cells);
    if (!next) {
      core::Error e = next.error();
      e.Context(label);
      return tl::unexpected(std::move(e));
    }
    if (!*next) break;
    pending = true;
  }
  return std::move(conformer).Finish();
}

}  // namespace datasync::datasource::files
