// Fuzz target: the file sources' reading of a downloaded or dropped file (datasource/files/file_format.hpp
// DecodeFile): the archive (zip by libzip, gzip by zlib), the delimited text reader and the conformer, the
// code that reads a hostile vendor's or a careless system's bytes.
//
// Input: a whole file. It is decoded as a zip, as gzip and as plain text, each with the columns given (header
// auto, epoch units auto) and with the columns from its header row, into a schema with every logical type.
// Checks, besides the sanitizers: a decoded page's batch passes ColumnBatch::Validate and has the dataset's
// schema; with columns given, the fields no column fills are the param's constant (symbol) or missing, never
// both; a failure carries a message and a class.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "datasource/files/file_format.hpp"

namespace files = datasync::datasource::files;
using datasync::core::LogicalType;
using datasync::datasource::Dataset;
using datasync::datasource::Params;

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "file decoder fuzz: %s\n", what.c_str());
  std::abort();
}

Dataset MakeDataset(bool with_columns) {
  Dataset d;
  d.name = "klines";
  d.schema = std::make_shared<const datasync::core::Schema>(std::vector<datasync::core::Field>{
      {"symbol", LogicalType::String()},
      {"open_time", LogicalType::Timestamp()},
      {"open", LogicalType::Decimal(28, 8)},
      {"close", LogicalType::Float64()},
      {"trades", LogicalType::Int64()},
      {"day", LogicalType::Date()},
      {"n", LogicalType::Int32()},
      {"closed", LogicalType::Bool()},
  });
  if (with_columns) {
    d.options.Set("columns", std::vector<std::string>{"open_time", "open", "close", "trades", "day", "n", "closed", "_"});
  }
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Dataset kWithColumns = MakeDataset(true);
  static const Dataset kFromHeader = MakeDataset(false);
  static const Params kParams = {{"symbol", "BTCUSDT"}, {"day_text", "2024-01-02"}};
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (const char* name : {"f.zip", "f.csv.gz", "f.csv"}) {
    for (const Dataset* ds : {&kWithColumns, &kFromHeader}) {
      files::FileFormat format = files::ReadFileFormat(ds->options);
      auto page = files::DecodeFile(bytes, name, format, *ds, kParams, nullptr, "fuzz: ", 1 << 20);
      if (!page) {
        if (page.error().message().empty()) Fail(std::string(name) + ": failed without a message");
        continue;
      }
      if (auto st = page->batch.Validate(); !st) Fail(std::string(name) + ": invalid batch: " + st.error().ToString());
      if (!(page->batch.schema() == *ds->schema)) Fail(std::string(name) + ": the batch lost the dataset's schema");
      if (ds == &kWithColumns) {
        for (const auto& m : page->missing_fields) {
          if (m == "symbol") Fail(std::string(name) + ": the param's field is listed missing");
        }
        for (size_t r = 0; r < page->batch.num_rows(); ++r) {
          if (page->batch.column(0).GetString(r) != "BTCUSDT") Fail(std::string(name) + ": the param's value changed");
        }
      }
    }
  }
  return 0;
}
