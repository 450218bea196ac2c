#include "storage/parquet/parquet_decoder.hpp"

#include <fcntl.h>
#include <snappy.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "storage/files/fs_util.hpp"
#include "storage/parquet/parquet_encoding.hpp"

namespace datasync::storage::parquet {

using core::ErrorKind;
using core::Fail;
using core::LogicalType;
using core::TypeId;
namespace fs = std::filesystem;

namespace {

// The most a compressor can expand per input byte, to bound what a page header may ask us to allocate before
// the codec has checked anything: snappy's longest copy (64 bytes) costs 3 bytes; a zstd RLE block repeats one
// byte up to the 128 KiB block size for a 4-byte block.
constexpr int64_t kSnappyMaxRatio = 22;
constexpr int64_t kZstdMaxRatio = 32768;
// Rows a row group may claim: Column offsets are 32-bit, and more is a damaged footer, not a dataset.
constexpr int64_t kMaxRowGroupRows = INT32_MAX;
// Reserve at most this many rows ahead: a damaged footer's row count must not become an allocation.
constexpr size_t kMaxReserveRows = size_t{1} << 22;

template <class T>
T LoadLe(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));  // x86-64 and arm64 are little-endian, as Parquet is
  return v;
}

core::Int128 LoadBigEndian16(const char* p) {
  unsigned __int128 u = 0;
  for (int i = 0; i < 16; ++i) u = (u << 8) | static_cast<unsigned char>(p[i]);
  return static_cast<core::Int128>(u);
}

std::string_view PhysicalName(int32_t type) {
  switch (type) {
    case format::kBoolean: return "BOOLEAN";
    case format::kInt32: return "INT32";
    case format::kInt64: return "INT64";
    case 3: return "INT96";
    case 4: return "FLOAT";
    case format::kDouble: return "DOUBLE";
    case format::kByteArray: return "BYTE_ARRAY";
    case format::kFixedLenByteArray: return "FIXED_LEN_BYTE_ARRAY";
    default: return "an unknown physical type";
  }
}

// Bytes per PLAIN value of a fixed-width column (0: BYTE_ARRAY, and BOOLEAN which packs bits).
size_t PlainWidth(int32_t physical) {
  switch (physical) {
    case format::kInt32: return 4;
    case format::kInt64:
    case format::kDouble: return 8;
    case format::kFixedLenByteArray: return 16;
    default: return 0;
  }
}

// The logical type of a leaf datasync writes, or nullopt (the caller names what it is instead).
std::optional<LogicalType> LogicalOf(const SchemaElement& e) {
  using Kind = LogicalAnnotation::Kind;
  const Kind kind = e.logical.kind;
  const int32_t converted = e.converted_type.value_or(-1);
  if (kind == Kind::kOther) return std::nullopt;
  auto decimal = [&](int lo, int hi) -> std::optional<LogicalType> {
    int32_t precision = kind == Kind::kDecimal ? e.logical.precision : e.precision.value_or(0);
    int32_t scale = kind == Kind::kDecimal ? e.logical.scale : e.scale.value_or(0);
    if (precision < lo || precision > hi || scale < 0 || scale > precision) return std::nullopt;
    return LogicalType::Decimal(static_cast<uint8_t>(precision), static_cast<uint8_t>(scale));
  };
  const bool is_decimal = kind == Kind::kDecimal || converted == format::kDecimal;
  switch (e.type.value_or(-1)) {
    case format::kBoolean:
      if (kind != Kind::kNone || converted >= 0) return std::nullopt;
      return LogicalType::Bool();
    case format::kInt32:
      if (kind == Kind::kDate || converted == format::kDate) return LogicalType::Date();
      if (kind == Kind::kInteger && e.logical.bit_width != 32) return std::nullopt;
      if (kind != Kind::kNone && kind != Kind::kInteger) return std::nullopt;
      if (converted >= 0 && converted != format::kInt32Converted) return std::nullopt;
      return LogicalType::Int32();
    case format::kInt64:
      if (kind == Kind::kTimestampMicrosUtc || (kind == Kind::kNone && converted == format::kTimestampMicros)) {
        return LogicalType::Timestamp();
      }
      if (is_decimal) return decimal(1, core::kMaxInt64DecimalPrecision);
      if (kind == Kind::kInteger && e.logical.bit_width != 64) return std::nullopt;
      if (kind != Kind::kNone && kind != Kind::kInteger) return std::nullopt;
      if (converted >= 0 && converted != format::kInt64Converted) return std::nullopt;
      return LogicalType::Int64();
    case format::kDouble:
      if (kind != Kind::kNone || converted >= 0) return std::nullopt;
      return LogicalType::Float64();
    case format::kByteArray:
      if (kind == Kind::kString || (kind == Kind::kNone && converted == format::kUtf8)) return LogicalType::String();
      return std::nullopt;
    case format::kFixedLenByteArray:
      if (e.type_length.value_or(0) != 16 || !is_decimal) return std::nullopt;
      return decimal(core::kMaxInt64DecimalPrecision + 1, core::kMaxDecimalPrecision);
    default: return std::nullopt;
  }
}

std::string_view CodecName(int32_t codec) {
  switch (codec) {
    case format::kUncompressed: return "UNCOMPRESSED";
    case format::kSnappy: return "SNAPPY";
    case 2: return "GZIP";
    case 3: return "LZO";
    case 4: return "BROTLI";
    case 5: return "LZ4";
    case format::kZstd: return "ZSTD";
    case 7: return "LZ4_RAW";
    default: return "an unknown codec";
  }
}

std::string_view PageTypeName(int32_t type) {
  switch (type) {
    case format::kDataPage: return "DATA_PAGE";
    case 1: return "INDEX_PAGE";
    case format::kDictionaryPage: return "DICTIONARY_PAGE";
    case 3: return "DATA_PAGE_V2";
    default: return "an unknown page type";
  }
}

// Appends `count` PLAIN values of `physical` from `data` to `out`; false when data ends first.
bool AppendPlain(std::string_view data, int32_t physical, size_t count, core::Column& out, size_t& used) {
  const size_t width = PlainWidth(physical);
  used = 0;
  if (physical == format::kBoolean) {
    if (count > data.size() * 8) return false;
    for (size_t i = 0; i < count; ++i) out.AppendBool((static_cast<unsigned char>(data[i >> 3]) >> (i & 7)) & 1U);
    used = (count + 7) / 8;
    return true;
  }
  if (physical == format::kByteArray) {
    size_t pos = 0;
    for (size_t i = 0; i < count; ++i) {
      if (data.size() - pos < 4) return false;
      uint32_t n = LoadLe<uint32_t>(data.data() + pos);
      pos += 4;
      if (n > data.size() - pos) return false;
      out.AppendString(data.substr(pos, n));
      pos += n;
    }
    used = pos;
    return true;
  }
  if (width == 0 || count > data.size() / width) return false;
  const char* p = data.data();
  for (size_t i = 0; i < count; ++i, p += width) {
    switch (physical) {
      case format::kInt32: out.AppendInt32(LoadLe<int32_t>(p)); break;
      case format::kInt64: out.AppendInt64(LoadLe<int64_t>(p)); break;
      case format::kDouble: out.AppendFloat64(LoadLe<double>(p)); break;
      case format::kFixedLenByteArray: out.AppendInt128(LoadBigEndian16(p)); break;
      default: return false;
    }
  }
  used = count * width;
  return true;
}

// Appends entry i of `from` (a dictionary, or a page's values) to `out` of the same type; i < from.size().
void AppendCopy(const core::Column& from, size_t i, core::Column& out) {
  switch (from.type().id) {
    case TypeId::kBool: out.AppendBool(from.GetBool(i)); break;
    case TypeId::kInt32:
    case TypeId::kDate: out.AppendInt32(from.GetInt32(i)); break;
    case TypeId::kInt64:
    case TypeId::kTimestamp: out.AppendInt64(from.GetInt64(i)); break;
    case TypeId::kDecimal: out.AppendDecimal(from.GetDecimal(i)); break;
    case TypeId::kFloat64: out.AppendFloat64(from.GetFloat64(i)); break;
    case TypeId::kString: out.AppendString(from.GetString(i)); break;
  }
}

}  // namespace

core::Error ParquetFileDecoder::Damaged(const std::string& what) const {
  return core::Error(ErrorKind::kPermanent, "Parquet file '" + path_.string() + "' is damaged: " + what);
}

core::Error ParquetFileDecoder::Unsupported(const std::string& what) const {
  return core::Error(ErrorKind::kInvalidInput,
                     "Parquet file '" + path_.string() + "' " + what +
                         ", which datasync does not read (it reads the Parquet it writes: flat OPTIONAL columns, "
                         "data pages v1, PLAIN and RLE_DICTIONARY encodings, zstd, snappy or no compression)");
}

std::string ParquetFileDecoder::Where(size_t row_group, size_t column) const {
  return "row group " + std::to_string(row_group) + ", column '" + column_name(column) + "'";
}

core::Result<std::unique_ptr<ParquetFileDecoder>> ParquetFileDecoder::Open(const fs::path& path) {
  std::unique_ptr<ParquetFileDecoder> d(new ParquetFileDecoder());
  d->path_ = path;
  d->fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (d->fd_ < 0) return Fail(files::IoError("cannot open", path, errno));
  struct stat st {};
  if (::fstat(d->fd_, &st) != 0) return Fail(files::IoError("cannot stat", path, errno));
  const int64_t size = st.st_size;
  if (size < 12) return Fail(d->Damaged("it is " + std::to_string(size) + " bytes long, too short for a Parquet file"));
  char head[4], tail[8];
  if (auto s = files::ReadAt(d->fd_, head, 4, 0, path); !s) return Fail(s.error());
  if (auto s = files::ReadAt(d->fd_, tail, 8, size - 8, path); !s) return Fail(s.error());
  if (std::memcmp(head, "PAR1", 4) != 0 || std::memcmp(tail + 4, "PAR1", 4) != 0) {
    return Fail(d->Damaged("no PAR1 magic at its start and end (truncated, or not a Parquet file)"));
  }
  const uint32_t footer_len = LoadLe<uint32_t>(tail);
  if (footer_len > static_cast<uint64_t>(size) - 12) {
    return Fail(d->Damaged("its footer length " + std::to_string(footer_len) + " exceeds the file"));
  }
  std::string footer(footer_len, '\0');
  if (auto s = files::ReadAt(d->fd_, footer.data(), footer_len, size - 8 - footer_len, path); !s) {
    return Fail(s.error());
  }
  auto meta = ParseFileMetaData(footer);
  if (!meta) return Fail(d->Damaged(meta.error().message()));
  d->meta_ = std::move(*meta);
  if (auto s = d->CheckSchema(); !s) return Fail(s.error());
  if (auto s = d->CheckChunks(size - 8 - footer_len); !s) return Fail(s.error());
  return d;
}

ParquetFileDecoder::~ParquetFileDecoder() {
  if (fd_ >= 0) ::close(fd_);
  if (zstd_) ZSTD_freeDCtx(zstd_);
}

core::Status ParquetFileDecoder::CheckSchema() {
  const auto& schema = meta_.schema;
  const SchemaElement& root = schema[0];
  if (root.type || root.num_children.value_or(-1) != static_cast<int32_t>(schema.size() - 1)) {
    return Fail(Unsupported("has a schema that is not one flat group of columns"));
  }
  for (size_t i = 1; i < schema.size(); ++i) {
    const SchemaElement& e = schema[i];
    const std::string name = "column '" + e.name + "'";
    if (e.num_children.value_or(0) != 0 || !e.type) return Fail(Unsupported("has a nested " + name));
    if (e.repetition.value_or(-1) != format::kOptional) {
      return Fail(Unsupported("has a " + std::string(e.repetition == format::kRequired ? "REQUIRED" : "repeated") +
                              " " + name));
    }
    auto type = LogicalOf(e);
    if (!type) {
      return Fail(Unsupported("stores " + name + " as " + std::string(PhysicalName(*e.type)) +
                              (e.logical.kind != LogicalAnnotation::Kind::kNone || e.converted_type
                                   ? " with an annotation datasync does not write"
                                   : " without the annotation datasync writes")));
    }
    types_.push_back(*type);
  }
  return core::Ok();
}

core::Status ParquetFileDecoder::CheckChunks(int64_t data_end) {
  for (size_t g = 0; g < meta_.row_groups.size(); ++g) {
    const RowGroup& rg = meta_.row_groups[g];
    if (rg.num_rows < 0 || rg.num_rows > kMaxRowGroupRows) {
      return Fail(Damaged("row group " + std::to_string(g) + " claims " + std::to_string(rg.num_rows) + " rows"));
    }
    for (size_t c = 0; c < rg.columns.size(); ++c) {
      const ColumnMetaData& cm = rg.columns[c];
      const int64_t start = cm.StartOffset();
      if (start < 4 || start > data_end || cm.total_compressed_size < 0 ||
          cm.total_compressed_size > data_end - start || cm.data_page_offset < start ||
          cm.data_page_offset > start + cm.total_compressed_size) {
        return Fail(Damaged(Where(g, c) + ": its column chunk lies outside the file's data"));
      }
      if (cm.path.size() != 1 || cm.path[0] != column_name(c)) {
        return Fail(Damaged(Where(g, c) + ": the chunk's column path does not match the schema"));
      }
      if (cm.type != *meta_.schema[c + 1].type) {
        return Fail(Damaged(Where(g, c) + ": the chunk's physical type differs from the schema's"));
      }
      if (cm.codec != format::kUncompressed && cm.codec != format::kSnappy && cm.codec != format::kZstd) {
        return Fail(Unsupported("compresses " + Where(g, c) + " with " + std::string(CodecName(cm.codec))));
      }
      if (cm.num_values != rg.num_rows) {
        return Fail(Damaged(Where(g, c) + " holds " + std::to_string(cm.num_values) + " values for " +
                            std::to_string(rg.num_rows) + " rows"));
      }
    }
  }
  return core::Ok();
}

std::optional<size_t> ParquetFileDecoder::FindColumn(std::string_view name) const {
  for (size_t c = 0; c < types_.size(); ++c) {
    if (column_name(c) == name) return c;
  }
  return std::nullopt;
}

ParquetFileDecoder::ChunkStatistics ParquetFileDecoder::Statistics(size_t row_group, size_t column) const {
  ChunkStatistics out;
  const auto& stats = meta_.row_groups[row_group].columns[column].statistics;
  if (!stats) return out;
  out.null_count = stats->null_count;
  const LogicalType type = types_[column];
  auto value = [&](const std::optional<std::string>& bytes) -> std::optional<core::Value> {
    if (!bytes) return std::nullopt;
    const std::string& b = *bytes;
    core::Value v = core::Value::Null(type);  // then its value: assigning avoids GCC 12's maybe-uninitialized
    switch (type.id) {
      case TypeId::kBool:
        if (b.size() != 1) return std::nullopt;
        v.v = b[0] != 0;
        break;
      case TypeId::kInt32:
      case TypeId::kDate:
        if (b.size() != 4) return std::nullopt;
        v.v = LoadLe<int32_t>(b.data());
        break;
      case TypeId::kInt64:
      case TypeId::kTimestamp:
        if (b.size() != 8) return std::nullopt;
        v.v = LoadLe<int64_t>(b.data());
        break;
      case TypeId::kFloat64:
        if (b.size() != 8) return std::nullopt;
        v.v = LoadLe<double>(b.data());
        break;
      case TypeId::kDecimal:
        if (type.IsWideDecimal()) {
          if (b.size() != 16) return std::nullopt;
          v.v = LoadBigEndian16(b.data());
        } else {
          if (b.size() != 8) return std::nullopt;
          v.v = LoadLe<int64_t>(b.data());
        }
        break;
      case TypeId::kString: v.v = b; break;
    }
    return v;
  };
  out.min = value(stats->min_value);
  out.max = value(stats->max_value);
  return out;
}

core::Result<core::Column> ParquetFileDecoder::ReadColumn(size_t row_group, size_t column) {
  const ColumnMetaData& cm = meta_.row_groups[row_group].columns[column];
  chunk_.resize(static_cast<size_t>(cm.total_compressed_size));
  if (auto s = files::ReadAt(fd_, chunk_.data(), chunk_.size(), cm.StartOffset(), path_); !s) {
    return Fail(s.error());
  }
  core::Column out(types_[column]);
  out.Reserve(std::min(static_cast<size_t>(meta_.row_groups[row_group].num_rows), kMaxReserveRows));
  if (auto s = DecodePages(row_group, column, chunk_, out); !s) return Fail(s.error());
  return out;
}

core::Result<std::string_view> ParquetFileDecoder::Uncompress(std::string_view body, int32_t codec,
                                                              int32_t uncompressed_size) {
  const auto want = static_cast<size_t>(uncompressed_size);
  const auto have = static_cast<int64_t>(body.size());
  switch (codec) {
    case format::kUncompressed:
      if (body.size() != want) break;
      return body;
    case format::kSnappy: {
      size_t length = 0;
      if (uncompressed_size > have * kSnappyMaxRatio + 64 ||
          !snappy::GetUncompressedLength(body.data(), body.size(), &length) || length != want) {
        break;
      }
      page_.resize(want);
      if (!snappy::RawUncompress(body.data(), body.size(), page_.data())) break;
      return std::string_view(page_);
    }
    case format::kZstd: {
      if (uncompressed_size > have * kZstdMaxRatio + 1024) break;
      if (!zstd_) zstd_ = ZSTD_createDCtx();
      if (!zstd_) return Fail(ErrorKind::kTransient, "cannot allocate a zstd context (out of memory)");
      page_.resize(want);
      size_t n = ZSTD_decompressDCtx(zstd_, page_.data(), page_.size(), body.data(), body.size());
      if (ZSTD_isError(n) || n != want) break;
      return std::string_view(page_);
    }
    default: break;
  }
  return Fail(ErrorKind::kPermanent, "a " + std::string(CodecName(codec)) + " page does not uncompress to the " +
                                         std::to_string(uncompressed_size) + " bytes its header says");
}

core::Status ParquetFileDecoder::DecodePages(size_t g, size_t c, std::string_view chunk, core::Column& out) {
  const ColumnMetaData& cm = meta_.row_groups[g].columns[c];
  const int64_t rows = meta_.row_groups[g].num_rows;
  const int32_t physical = cm.type;
  std::optional<core::Column> dictionary;
  int64_t done = 0;
  size_t pos = 0;
  while (done < rows) {
    if (pos >= chunk.size()) {
      return Fail(Damaged(Where(g, c) + ": its pages hold " + std::to_string(done) + " of the row group's " +
                          std::to_string(rows) + " rows"));
    }
    size_t header_size = 0;
    auto header = ParsePageHeader(chunk.substr(pos), header_size);
    if (!header) return Fail(Damaged(Where(g, c) + ": " + header.error().message()));
    pos += header_size;
    const PageHeader& h = *header;
    if (h.compressed_size < 0 || static_cast<size_t>(h.compressed_size) > chunk.size() - pos ||
        h.uncompressed_size < 0) {
      return Fail(Damaged(Where(g, c) + ": a page's size runs past its column chunk"));
    }
    std::string_view body = chunk.substr(pos, static_cast<size_t>(h.compressed_size));
    pos += static_cast<size_t>(h.compressed_size);
    if (h.type != format::kDataPage && h.type != format::kDictionaryPage) {
      return Fail(Unsupported("has a " + std::string(PageTypeName(h.type)) + " in " + Where(g, c)));
    }
    if (h.num_values < 0) return Fail(Damaged(Where(g, c) + ": a page holds a negative number of values"));
    auto page = Uncompress(body, cm.codec, h.uncompressed_size);
    if (!page) return Fail(Damaged(Where(g, c) + ": " + page.error().message()));

    if (h.type == format::kDictionaryPage) {
      if (dictionary || done > 0) {
        return Fail(Damaged(Where(g, c) + ": a dictionary page that is not the chunk's first page"));
      }
      if (h.encoding != format::kPlain && h.encoding != format::kPlainDictionary) {
        return Fail(
            Unsupported("encodes the dictionary of " + Where(g, c) + " as encoding " + std::to_string(h.encoding)));
      }
      dictionary.emplace(types_[c]);
      size_t used = 0;
      if (!AppendPlain(*page, physical, static_cast<size_t>(h.num_values), *dictionary, used)) {
        return Fail(
            Damaged(Where(g, c) + ": its dictionary page ends before its " + std::to_string(h.num_values) + " values"));
      }
      continue;
    }

    // A data page v1: definition levels, then the non-NULL values.
    if (h.num_values > rows - done) {
      return Fail(Damaged(Where(g, c) + ": its pages hold more values than the row group has rows"));
    }
    if (h.definition_level_encoding != format::kRle) {
      return Fail(Unsupported("encodes the definition levels of " + Where(g, c) + " as encoding " +
                              std::to_string(h.definition_level_encoding)));
    }
    const bool dictionary_encoded = h.encoding == format::kRleDictionary || h.encoding == format::kPlainDictionary;
    if (!dictionary_encoded && h.encoding != format::kPlain) {
      return Fail(Unsupported("encodes a page of " + Where(g, c) + " as encoding " + std::to_string(h.encoding)));
    }
    std::string_view data = *page;
    const auto n = static_cast<size_t>(h.num_values);
    if (data.size() < 4) return Fail(Damaged(Where(g, c) + ": a data page without its definition levels"));
    const uint32_t levels_size = LoadLe<uint32_t>(data.data());
    if (levels_size > data.size() - 4 || !DecodeRleHybrid(data.substr(4, levels_size), 1, n, levels_)) {
      return Fail(Damaged(Where(g, c) + ": a data page's definition levels do not decode"));
    }
    data.remove_prefix(4 + static_cast<size_t>(levels_size));
    const auto present = static_cast<size_t>(std::count(levels_.begin(), levels_.end(), 1U));
    if (dictionary_encoded) {
      if (!dictionary) return Fail(Damaged(Where(g, c) + ": a dictionary-encoded page without a dictionary page"));
      int bit_width = data.empty() ? -1 : static_cast<unsigned char>(data[0]);
      if (present > 0 &&
          (bit_width < 0 || bit_width > 32 || !DecodeRleHybrid(data.substr(1), bit_width, present, indices_))) {
        return Fail(Damaged(Where(g, c) + ": a data page's dictionary indices do not decode"));
      }
      size_t next = 0;
      for (uint32_t level : levels_) {
        if (!level) {
          out.AppendNull();
          continue;
        }
        uint32_t index = indices_[next++];
        if (index >= dictionary->size()) {
          return Fail(Damaged(Where(g, c) + ": dictionary index " + std::to_string(index) + " of a dictionary of " +
                              std::to_string(dictionary->size()) + " values"));
        }
        AppendCopy(*dictionary, index, out);
      }
    } else if (present == n) {
      size_t used = 0;
      if (!AppendPlain(data, physical, n, out, used)) {
        return Fail(Damaged(Where(g, c) + ": a data page ends before its " + std::to_string(n) + " values"));
      }
    } else {
      // Values and NULLs interleave: decode the values, then place them.
      core::Column values(types_[c]);
      size_t used = 0;
      if (!AppendPlain(data, physical, present, values, used)) {
        return Fail(Damaged(Where(g, c) + ": a data page ends before its " + std::to_string(present) + " values"));
      }
      size_t next = 0;
      for (uint32_t level : levels_) {
        if (level)
          AppendCopy(values, next++, out);
        else
          out.AppendNull();
      }
    }
    done += h.num_values;
  }
  return core::Ok();
}

}  // namespace datasync::storage::parquet
