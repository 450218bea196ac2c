// ParquetFileDecoder: reads back the Parquet files datasync writes, and exactly the subset parquet_format.hpp
// describes: a flat schema of OPTIONAL columns of our eight logical types, column chunks of an optional
// dictionary page (PLAIN values) and v1 data pages (definition levels in the RLE/bit-packed hybrid, values
// PLAIN or RLE_DICTIONARY indices), compressed with zstd, snappy or not at all, and the Thrift compact footer
// (parquet_metadata.hpp). A file outside that subset (nested or REQUIRED columns, other types, encodings,
// codecs or page kinds) is refused with kInvalidInput naming the file and what it uses; a damaged file
// (truncated, a length or offset out of range, a page that does not decode) is kPermanent naming the file and
// what is wrong. Every length and offset read from the file is checked before it is used, so no input makes
// the decoder read outside its buffers.
//
// Lifecycle: Open reads and checks the footer; then Statistics and ReadColumn in any order, one column chunk
// at a time (the caller decides how many decoded columns it keeps: the dataset reader keeps one row group's).
// Thread-safety: one thread at a time (ReadColumn reuses its buffers).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/column_batch.hpp"
#include "core/error.hpp"
#include "core/logical_type.hpp"
#include "core/value.hpp"
#include "storage/parquet/parquet_metadata.hpp"

struct ZSTD_DCtx_s;  // zstd.h's ZSTD_DCtx, kept out of this header

namespace datasync::storage::parquet {

class ParquetFileDecoder {
 public:
  static core::Result<std::unique_ptr<ParquetFileDecoder>> Open(const std::filesystem::path& path);
  ~ParquetFileDecoder();
  ParquetFileDecoder(const ParquetFileDecoder&) = delete;
  ParquetFileDecoder& operator=(const ParquetFileDecoder&) = delete;

  const std::filesystem::path& path() const { return path_; }
  const FileMetaData& metadata() const { return meta_; }

  size_t num_columns() const { return types_.size(); }
  const std::string& column_name(size_t c) const { return meta_.schema[c + 1].name; }
  // The column's logical type, from its physical type and annotation.
  const core::LogicalType& column_type(size_t c) const { return types_[c]; }
  std::optional<size_t> FindColumn(std::string_view name) const;

  size_t num_row_groups() const { return meta_.row_groups.size(); }
  int64_t num_rows(size_t row_group) const { return meta_.row_groups[row_group].num_rows; }

  // A column chunk's statistics as values of the column's type; a bound is unset when the file has none (or
  // one of the wrong size, which is ignored rather than trusted).
  struct ChunkStatistics {
    std::optional<core::Value> min, max;
    std::optional<int64_t> null_count;
  };
  ChunkStatistics Statistics(size_t row_group, size_t column) const;

  // The values of one column chunk, one per row of the row group (NULL where the definition level is 0),
  // typed column_type(column).
  core::Result<core::Column> ReadColumn(size_t row_group, size_t column);

 private:
  ParquetFileDecoder() = default;
  core::Status CheckSchema();
  core::Status CheckChunks(int64_t data_end);
  core::Status DecodePages(size_t row_group, size_t column, std::string_view chunk, core::Column& out);
  // The page body in `body`, uncompressed per the chunk's codec (into page_ unless it is stored as is).
  core::Result<std::string_view> Uncompress(std::string_view body, int32_t codec, int32_t uncompressed_size);
  core::Error Damaged(const std::string& what) const;
  core::Error Unsupported(const std::string& what) const;
  // "row group 2, column 'close'", for messages.
  std::string Where(size_t row_group, size_t column) const;

  std::filesystem::path path_;
  int fd_ = -1;
  FileMetaData meta_;
  std::vector<core::LogicalType> types_;
  // Reused between chunks: the chunk's bytes, an uncompressed page, levels and dictionary indices.
  std::string chunk_, page_;
  std::vector<uint32_t> levels_, indices_;
  ZSTD_DCtx_s* zstd_ = nullptr;  // created on the first zstd page
};

}  // namespace datasync::storage::parquet
