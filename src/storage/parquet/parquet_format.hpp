// ParquetFormat: datasync's own Parquet writer (https://parquet.apache.org/docs/file-format/), plugged into
// the file sinks as a RowFormat. Debian ships no Arrow/Parquet C++, and a flat schema of our eight logical
// types needs only a small part of the format.
//
// What a file holds: a flat schema with every column OPTIONAL (a NULL from the vendor never fails a write,
// and every part of a dataset has the same shape); bool -> BOOLEAN, int32 -> INT32, int64 -> INT64,
// float64 -> DOUBLE, string -> BYTE_ARRAY STRING, date -> INT32 DATE, timestamp -> INT64
// TIMESTAMP(isAdjustedToUTC=true, MICROS), decimal(p,s) -> INT64 DECIMAL(p,s). Rows are buffered per column
// until a row group is full (row_group_size_bytes of raw values, or row_group_rows), then each column chunk
// is written as an optional dictionary page and v1 data pages of about data_page_size_bytes, definition
// levels in the RLE/bit-packed hybrid, values PLAIN or dictionary indices. A chunk is dictionary-encoded
// unless its distinct values exceed half its values or dictionary_max_bytes (then it falls back to PLAIN).
// Pages are compressed with zstd (default), snappy or not at all. Every chunk carries statistics (min,
// max, null count; strings longer than 256 bytes get no min/max) so readers can prune row groups. The
// footer is Thrift compact protocol (thrift_compact.hpp). Strings that are not valid UTF-8 have their bad
// bytes replaced by U+FFFD, since readers reject such STRING values.
// Memory: one row group of raw values per open part file. Immutable after construction; each writer is
// used by one thread.
#pragma once

#include <cstdint>
#include <memory>

#include "core/error.hpp"
#include "core/options.hpp"
#include "storage/files/row_format.hpp"
#include "storage/parquet/parquet_metadata.hpp"

namespace datasync::storage::parquet {

struct ParquetSettings {
  format::Codec codec = format::kZstd;
  int compression_level = 3;  // zstd only
  int64_t row_group_size_bytes = int64_t{128} << 20;
  int64_t row_group_rows = 0;  // 0: rows do not end a row group, only bytes do
  int64_t data_page_size_bytes = int64_t{1} << 20;
  bool dictionary = true;
  int64_t dictionary_max_bytes = int64_t{1} << 20;
};

// Reads compression, compression_level, row_group_size_bytes, row_group_rows, data_page_size_bytes,
// dictionary and dictionary_max_bytes; a value out of range adds a problem and leaves that setting at its
// default. The one place these rules live: the sink's validate and its Bind both come here.
ParquetSettings ReadParquetSettings(const core::Options& options, core::OptionProblems& problems);
// ReadParquetSettings, failing with kConfig when there is a problem.
core::Result<ParquetSettings> ParquetSettingsFromOptions(const core::Options& options);

// "datasync version 0.1.0": the footer's created_by, which compaction checks before it copies row groups.
std::string_view ParquetCreatedBy();

class ParquetFormat final : public files::RowFormat {
 public:
  explicit ParquetFormat(ParquetSettings settings);
  ~ParquetFormat() override;

  std::string_view name() const override { return "parquet"; }
  std::string_view extension() const override { return "parquet"; }
  // Parquet files describe themselves; no setting changes how they read back, so a storage may change
  // compression or row group sizes without rewriting its dataset.
  std::vector<std::pair<std::string, std::string>> ReaderSettings() const override { return {}; }
  std::unique_ptr<files::RowFormatWriter> NewWriter(const core::Schema& schema) const override;
  const files::PartMerger* merger() const override;

  const ParquetSettings& settings() const { return settings_; }

 private:
  ParquetSettings settings_;
  std::unique_ptr<files::PartMerger> merger_;
};

}  // namespace datasync::storage::parquet
