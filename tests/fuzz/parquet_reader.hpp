// A small Parquet reader for the Parquet round-trip fuzz target: the flat, all-OPTIONAL files datasync
// writes, read back in-process into Values. The project has no Parquet data reader of its own (its
// independent readers, DuckDB and hyparquet, run as separate processes: far too slow per fuzz input), so
// this one is written here from the format's specification
// (https://github.com/apache/parquet-format/blob/master/Encodings.md): page headers, RLE/bit-packed
// definition levels and dictionary indices, PLAIN values, and zstd/snappy through their libraries. It
// shares only the Thrift compact decoding with the writer (ThriftReader, and the footer parser compaction
// uses, ParseFileMetaData). Every read is bounds-checked; a malformed file is an error, never UB.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/schema.hpp"
#include "core/value.hpp"

namespace datasync::fuzz {

struct ParquetContents {
  std::vector<core::Field> fields;             // from the footer's schema
  std::vector<std::vector<core::Value>> rows;  // in file order
};

core::Result<ParquetContents> ReadParquet(std::string_view file);

}  // namespace datasync::fuzz
