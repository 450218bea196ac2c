// Fuzz target: the CSV writer's round trip (storage/csv/csv_format.hpp). Settings and a batch are built
// from the input, written with the sink's own writer, and read back with the tests' independent RFC 4180
// reader (tests/unit/storage/text_reading.hpp); every cell must come back with its type and value.
//
// Input: the delimiter byte, the null marker (a length byte 0-3 and its bytes), a flags byte (header, CRLF,
// BOM, quoting), then the batch (batch_from_bytes.hpp; dates and timestamps within years 1-9999). Settings
// go through the sink's own option checks (ReadCsvSettings): settings it refuses are skipped, settings it
// accepts must round-trip.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "batch_from_bytes.hpp"
#include "storage/csv/csv_format.hpp"
#include "unit/storage/text_reading.hpp"

namespace csv = datasync::storage::csv;
namespace fuzz = datasync::fuzz;
using datasync::core::Value;

namespace {

[[noreturn]] void Fail(const std::string& what, const std::string& text) {
  std::fprintf(stderr, "csv round trip fuzz: %s\n--- written ---\n%s\n---\n", what.c_str(), text.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteSource in(data, size);
  datasync::core::Options options;
  options.Set("delimiter", std::string(1, static_cast<char>(in.Byte())));
  options.Set("null_marker", in.Text(in.Byte() % 4));
  const uint8_t flags = in.Byte();
  options.Set("header", (flags & 1) != 0);
  options.Set("line_ending", std::string(flags & 2 ? "crlf" : "lf"));
  options.Set("bom", (flags & 4) != 0);
  options.Set("quoting", std::string((flags >> 3) % 3 == 0 ? "minimal" : (flags >> 3) % 3 == 1 ? "strings" : "all"));
  auto settings = csv::CsvSettingsFromOptions(options);
  if (!settings) return 0;
  fuzz::FuzzBatch fb = fuzz::BatchFromBytes(in, {.iso_calendar = true});

  csv::CsvFormat format(*settings);
  auto writer = format.NewWriter(*fb.schema);
  std::vector<uint32_t> all(fb.rows.size());
  std::iota(all.begin(), all.end(), 0u);
  std::string text;
  if (!writer->Begin(text) || !writer->WriteRows(fb.batch, all, text) || !writer->End(text)) {
    Fail("the writer failed", text);
  }

  std::string_view body = text;
  if (settings->bom) {
    if (body.substr(0, 3) != "\xEF\xBB\xBF") Fail("no byte-order mark", text);
    body.remove_prefix(3);
  }
  std::vector<std::vector<datasync::storage::testing::CsvField>> records;
  std::string error;
  if (!datasync::storage::testing::ParseCsv(body, settings->delimiter, records, error)) {
    Fail("the output is not RFC 4180: " + error, text);
  }
  size_t first = 0;
  if (settings->header) {
    if (records.empty() || records[0].size() != fb.schema->size()) Fail("the header row is missing or short", text);
    for (size_t c = 0; c < fb.schema->size(); ++c) {
      if (records[0][c].text != fb.schema->field(c).name) Fail("header cell " + std::to_string(c) + " differs", text);
    }
    first = 1;
  }
  std::vector<std::vector<Value>> back;
  for (size_t r = first; r < records.size(); ++r) {
    std::vector<Value> row;
    for (size_t c = 0; c < records[r].size() && c < fb.schema->size(); ++c) {
      const auto& field = records[r][c];
      const auto& type = fb.schema->field(c).type;
      if (!field.quoted && field.text == settings->null_marker) {
        row.push_back(Value::Null(type));
        continue;
      }
      auto v = datasync::storage::testing::ParseTyped(field.text, type);
      if (!v)
        Fail("row " + std::to_string(r - first) + " column " + std::to_string(c) + ": '" + field.text +
                 "' does not read as " + type.ToString(),
             text);
      row.push_back(*v);
    }
    if (records[r].size() != fb.schema->size()) {
      Fail("row " + std::to_string(r - first) + " has " + std::to_string(records[r].size()) + " fields, not " +
               std::to_string(fb.schema->size()),
           text);
    }
    back.push_back(std::move(row));
  }
  if (auto diff = fuzz::CompareCells(fb.rows, back); !diff.empty()) Fail(diff, text);
  return 0;
}
