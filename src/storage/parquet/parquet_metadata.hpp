// The subset of Parquet's file metadata
// (https://github.com/apache/parquet-format/blob/master/src/main/thrift/parquet.thrift) that datasync writes, as plain
// structs with their compact-protocol encoding, and parsers for footers and page headers datasync wrote itself
// (compaction copies row groups between such files and rewrites their offsets; the reader decodes their pages). Enum
// values are the format's own numbers. Plain data and pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace datasync::storage::parquet {

namespace format {
enum PhysicalType : int32_t {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7
};
enum Repetition : int32_t { kRequired = 0, kOptional = 1 };
enum ConvertedType : int32_t {
  kUtf8 = 0,
  kDecimal = 5,
  kDate = 6,
  kTimestampMicros = 10,
  kInt32Converted = 17,
  kInt64Converted = 18
};
// PLAIN_DICTIONARY (2) is the deprecated spelling of RLE_DICTIONARY in data pages and of PLAIN in dictionary pages.
enum Encoding : int32_t { kPlain = 0, kPlainDictionary = 2, kRle = 3, kRleDictionary = 8 };
enum Codec : int32_t { kUncompressed = 0, kSnappy = 1, kZstd = 6 };
enum PageType : int32_t { kDataPage = 0, kDictionaryPage = 2 };
}  // namespace format

// The LogicalType union, for the annotations datasync uses.
struct LogicalAnnotation {
  // kOther: an annotation datasync does not write (another union member, a timestamp not in UTC microseconds).
  enum class Kind : uint8_t { kNone, kString, kDate, kTimestampMicrosUtc, kDecimal, kInteger, kOther };
  Kind kind = Kind::kNone;
  int32_t scale = 0;      // kDecimal
  int32_t precision = 0;  // kDecimal
  int8_t bit_width = 0;   // kInteger
  friend bool operator==(const LogicalAnnotation&, const LogicalAnnotation&) = default;
};

struct SchemaElement {
  std::string name;
  std::optional<int32_t> type;
  std::optional<int32_t> type_length;  // FIXED_LEN_BYTE_ARRAY: bytes per value
  std::optional<int32_t> repetition;
  std::optional<int32_t> num_children;
  std::optional<int32_t> converted_type;
  std::optional<int32_t> scale;
  std::optional<int32_t> precision;
  LogicalAnnotation logical;
  friend bool operator==(const SchemaElement&, const SchemaElement&) = default;
};

struct Statistics {
  std::optional<std::string> min_value;  // PLAIN encoding of the value (strings: the bytes)
  std::optional<std::string> max_value;
  std::optional<int64_t> null_count;
};

struct ColumnMetaData {
  int32_t type = 0;
  std::vector<int32_t> encodings;
  std::vector<std::string> path;
  int32_t codec = 0;
  int64_t num_values = 0;
  int64_t total_uncompressed_size = 0;
  int64_t total_compressed_size = 0;
  int64_t data_page_offset = 0;
  std::optional<int64_t> dictionary_page_offset;
  std::optional<Statistics> statistics;

  // Where the chunk's first page starts.
  int64_t StartOffset() const { return dictionary_page_offset ? *dictionary_page_offset : data_page_offset; }
};

struct RowGroup {
  std::vector<ColumnMetaData> columns;
  int64_t total_byte_size = 0;
  int64_t num_rows = 0;
  int64_t file_offset = 0;
  int64_t total_compressed_size = 0;
  int16_t ordinal = 0;
};

struct FileMetaData {
  int32_t version = 1;
  std::vector<SchemaElement> schema;  // root first, then one leaf per column
  int64_t num_rows = 0;
  std::vector<RowGroup> row_groups;
  std::vector<std::pair<std::string, std::string>> key_value;
  std::string created_by;
};

struct DataPageHeader {
  int32_t num_values = 0;
  int32_t encoding = format::kPlain;
};

struct PageHeader {
  int32_t type = format::kDataPage;
  int32_t uncompressed_size = 0;
  int32_t compressed_size = 0;
  int32_t num_values = 0;  // of the data or dictionary page
  int32_t encoding = format::kPlain;
  // Data pages only. The writer always writes RLE; ParsePageHeader reports what a file says.
  int32_t definition_level_encoding = format::kRle;
};

void AppendPageHeader(const PageHeader& header, std::string& out);
// The page header at the start of `bytes`; `size` gets its length in bytes. kPermanent when the header is
// malformed, runs past `bytes`, or is a data or dictionary page without its own header struct. Other page
// types (index pages, data pages v2) parse with their type, for the caller to refuse.
core::Result<PageHeader> ParsePageHeader(std::string_view bytes, size_t& size);
void AppendFileMetaData(const FileMetaData& meta, std::string& out);
core::Result<FileMetaData> ParseFileMetaData(std::string_view bytes);

// The value of a key in key_value, or nullopt.
std::optional<std::string> FindKeyValue(const FileMetaData& meta, std::string_view key);

}  // namespace datasync::storage::parquet
