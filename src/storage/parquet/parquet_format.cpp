#include "storage/parquet/parquet_format.hpp"

#include <snappy.h>
#include <zstd.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <string_view>

#include "core/strings.hpp"
#include "storage/parquet/parquet_encoding.hpp"
#include "storage/parquet/parquet_merger.hpp"
#include "storage/parquet/parquet_sink.hpp"

namespace datasync::storage::parquet {

using core::ErrorKind;
using core::Fail;
using core::TypeId;

namespace {

// Rows taken from a batch per step, so a huge batch still ends row groups close to their size limit.
constexpr size_t kSliceRows = 65536;
// Longer strings get no min/max statistics: they would bloat every footer and rarely help pruning.
constexpr size_t kMaxStatisticsBytes = 256;
// The dictionary is abandoned as soon as it holds more distinct values than this share of the chunk's values,
// or when the first kDictionarySample values are already mostly distinct (a cheap early exit for prices,
// volumes and codes, which would otherwise be hashed up to that share first).
constexpr double kMaxDistinctShare = 0.5;
constexpr size_t kDictionarySample = 1024;

template <class T>
void AppendLe(std::string& out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));  // x86-64 and arm64 are little-endian, as Parquet is
  out.append(buf, sizeof(T));
}

template <class T>
std::string LeBytes(T v) {
  std::string s;
  AppendLe(s, v);
  return s;
}

uint64_t Mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

// The values of one column waiting for the row group to be written: a definition level per row and the
// non-NULL values, packed.
struct ColumnBuffer {
  std::vector<uint8_t> defs;
  std::vector<uint8_t> bools;
  std::vector<int32_t> i32;
  std::vector<int64_t> i64;
  std::vector<core::Int128> i128;  // wide decimals
  std::vector<double> f64;
  std::vector<uint32_t> str_offsets{0};
  std::string arena;

  void Clear() {
    defs.clear();
    bools.clear();
    i32.clear();
    i64.clear();
    i128.clear();
    f64.clear();
    str_offsets.assign(1, 0);
    arena.clear();
  }
  std::string_view Str(size_t i) const { return {arena.data() + str_offsets[i], str_offsets[i + 1] - str_offsets[i]}; }
};

// kDec16: a wide decimal (precision above 18) as FIXED_LEN_BYTE_ARRAY(16), big-endian two's complement.
enum class Physical : uint8_t { kBool, kI32, kI64, kF64, kStr, kDec16 };

// The 16 bytes of a wide decimal's unscaled value, big-endian two's complement (the Parquet DECIMAL form).
void AppendBigEndian16(std::string& out, core::Int128 v) {
  auto u = static_cast<unsigned __int128>(v);
  char bytes[16];
  for (int i = 15; i >= 0; --i) {
    bytes[i] = static_cast<char>(static_cast<uint8_t>(u & 0xff));
    u >>= 8;
  }
  out.append(bytes, 16);
}

Physical PhysicalOf(const core::LogicalType& type) {
  if (type.IsWideDecimal()) return Physical::kDec16;
  switch (type.id) {
    case TypeId::kBool: return Physical::kBool;
    case TypeId::kInt32:
    case TypeId::kDate: return Physical::kI32;
    case TypeId::kInt64:
    case TypeId::kTimestamp:
    case TypeId::kDecimal: return Physical::kI64;
    case TypeId::kFloat64: return Physical::kF64;
    case TypeId::kString: return Physical::kStr;
  }
  return Physical::kStr;
}

SchemaElement LeafElement(const core::Field& f) {
  SchemaElement e;
  e.name = f.name;
  e.repetition = format::kOptional;
  using Kind = LogicalAnnotation::Kind;
  switch (f.type.id) {
    case TypeId::kBool: e.type = format::kBoolean; break;
    case TypeId::kInt32: e.type = format::kInt32; break;
    case TypeId::kInt64: e.type = format::kInt64; break;
    case TypeId::kFloat64: e.type = format::kDouble; break;
    case TypeId::kString:
      e.type = format::kByteArray;
      e.converted_type = format::kUtf8;
      e.logical.kind = Kind::kString;
      break;
    case TypeId::kDate:
      e.type = format::kInt32;
      e.converted_type = format::kDate;
      e.logical.kind = Kind::kDate;
      break;
    case TypeId::kTimestamp:
      e.type = format::kInt64;
      e.converted_type = format::kTimestampMicros;
      e.logical.kind = Kind::kTimestampMicrosUtc;
      break;
    case TypeId::kDecimal:
      // DECIMAL(p,s) over INT64 up to 18 digits, over FIXED_LEN_BYTE_ARRAY(16) beyond (up to 38).
      e.type = f.type.IsWideDecimal() ? format::kFixedLenByteArray : format::kInt64;
      if (f.type.IsWideDecimal()) e.type_length = 16;
      e.converted_type = format::kDecimal;
      e.scale = f.type.scale;
      e.precision = f.type.precision;
      e.logical.kind = Kind::kDecimal;
      e.logical.scale = f.type.scale;
      e.logical.precision = f.type.precision;
      break;
  }
  return e;
}

// Open-addressing hash set of dictionary values, reused from chunk to chunk so its memory is allocated once.
class DictionaryBuilder {
 public:
  // Starts a chunk; max_entries bounds the dictionary (the builder gives up beyond it).
  void Reset(size_t max_entries) {
    max_entries_ = max_entries;
    size_t cap = 16;
    while (cap < max_entries * 2 + 2) cap <<= 1;
    if (slots_.size() != cap)
      slots_.assign(cap, -1);
    else
      std::fill(slots_.begin(), slots_.end(), -1);
    mask_ = cap - 1;
    count_ = 0;
  }

  // Index of the value with this hash for which equal(index) holds, adding it (via add()) when new;
  // -1 when the dictionary would exceed its bound.
  template <class Equal, class Add>
  int32_t Insert(uint64_t hash, Equal equal, Add add) {
    size_t pos = Mix(hash) & mask_;
    for (;;) {
      int32_t idx = slots_[pos];
      if (idx < 0) break;
      if (equal(idx)) return idx;
      pos = (pos + 1) & mask_;
    }
    if (count_ >= max_entries_) return -1;
    auto idx = static_cast<int32_t>(count_++);
    slots_[pos] = idx;
    add();
    return idx;
  }

  size_t count() const { return count_; }

 private:
  std::vector<int32_t> slots_;
  size_t mask_ = 0;
  size_t count_ = 0;
  size_t max_entries_ = 0;
};

class ParquetFileWriter final : public files::RowFormatWriter {
 public:
  ParquetFileWriter(const ParquetSettings& settings, const core::Schema& schema)
      : settings_(settings), schema_(schema), buffers_(schema.size()) {
    for (const auto& f : schema.fields()) physical_.push_back(PhysicalOf(f.type));
  }
  ~ParquetFileWriter() override {
    if (zstd_) ZSTD_freeCCtx(zstd_);
  }

  core::Status Begin(std::string& out) override {
    Emit(out, "PAR1");
    return core::Ok();
  }

  core::Status WriteRows(const core::ColumnBatch& batch, std::span<const uint32_t> rows, std::string& out) override {
    size_t done = 0;
    while (done < rows.size()) {
      size_t take = std::min(kSliceRows, rows.size() - done);
      if (settings_.row_group_rows > 0) {
        take = std::min(take, static_cast<size_t>(settings_.row_group_rows) - buffered_rows_);
      }
      auto slice = rows.subspan(done, take);
      bool contiguous = slice.back() - slice.front() + 1 == slice.size();  // ascending, distinct indices
      for (size_t c = 0; c < buffers_.size(); ++c) AppendColumn(c, batch.column(c), slice, contiguous);
      buffered_rows_ += take;
      done += take;
      bool full = static_cast<int64_t>(buffered_bytes_) >= settings_.row_group_size_bytes ||
                  (settings_.row_group_rows > 0 && buffered_rows_ >= static_cast<size_t>(settings_.row_group_rows));
      if (full) {
        if (auto st = FlushRowGroup(out); !st) return st;
      }
    }
    return core::Ok();
  }

  core::Status End(std::string& out) override {
    if (buffered_rows_ > 0) {
      if (auto st = FlushRowGroup(out); !st) return st;
    }
    FileMetaData meta;
    meta.version = 1;
    SchemaElement root;
    root.name = "schema";
    root.num_children = static_cast<int32_t>(schema_.size());
    meta.schema.push_back(root);
    for (const auto& f : schema_.fields()) meta.schema.push_back(LeafElement(f));
    meta.num_rows = total_rows_;
    meta.row_groups = std::move(row_groups_);
    meta.created_by = std::string(ParquetCreatedBy());
    std::string footer;
    AppendFileMetaData(meta, footer);
    Emit(out, footer);
    std::string tail;
    AppendLe(tail, static_cast<uint32_t>(footer.size()));
    tail += "PAR1";
    Emit(out, tail);
    return core::Ok();
  }

 private:
  void Emit(std::string& out, std::string_view bytes) {
    out.append(bytes);
    offset_ += static_cast<int64_t>(bytes.size());
  }

  void AppendColumn(size_t c, const core::Column& col, std::span<const uint32_t> rows, bool contiguous) {
    ColumnBuffer& b = buffers_[c];
    const bool all_valid = col.null_count() == 0;
    const size_t n = rows.size();
    if (all_valid) {
      b.defs.insert(b.defs.end(), n, uint8_t{1});
    } else {
      for (uint32_t r : rows) b.defs.push_back(col.IsValid(r) ? 1 : 0);
    }
    auto copy_fixed = [&](auto& dst, auto src) {
      using T = typename std::decay_t<decltype(dst)>::value_type;
      if (all_valid && contiguous) {
        const T* first = src.data() + rows.front();
        dst.insert(dst.end(), first, first + n);
      } else {
        for (uint32_t r : rows) {
          if (all_valid || col.IsValid(r)) dst.push_back(src[r]);
        }
      }
      buffered_bytes_ += n * (sizeof(T) + 1);
    };
    switch (physical_[c]) {
      case Physical::kBool: copy_fixed(b.bools, col.bools()); break;
      case Physical::kI32: copy_fixed(b.i32, col.int32s()); break;
      case Physical::kI64: copy_fixed(b.i64, col.int64s()); break;
      case Physical::kF64: copy_fixed(b.f64, col.float64s()); break;
      case Physical::kDec16: copy_fixed(b.i128, col.int128s()); break;
      case Physical::kStr: {
        size_t before = b.arena.size();
        for (uint32_t r : rows) {
          if (!all_valid && !col.IsValid(r)) continue;
          std::string_view s = col.GetString(r);
          if (core::IsValidUtf8(s)) {
            b.arena.append(s);
          } else {
            b.arena.append(core::RepairUtf8(s));
          }
          b.str_offsets.push_back(static_cast<uint32_t>(b.arena.size()));
        }
        buffered_bytes_ += b.arena.size() - before + n * 5;
        break;
      }
    }
  }

  core::Status FlushRowGroup(std::string& out) {
    RowGroup rg;
    rg.file_offset = offset_;
    rg.num_rows = static_cast<int64_t>(buffered_rows_);
    rg.ordinal = static_cast<int16_t>(row_groups_.size());
    for (size_t c = 0; c < buffers_.size(); ++c) {
      auto meta = WriteChunk(c, out);
      if (!meta) return core::Fail(meta.error());
      rg.total_byte_size += meta->total_uncompressed_size;
      rg.total_compressed_size += meta->total_compressed_size;
      rg.columns.push_back(std::move(*meta));
      buffers_[c].Clear();
    }
    total_rows_ += rg.num_rows;
    row_groups_.push_back(std::move(rg));
    buffered_rows_ = 0;
    buffered_bytes_ = 0;
    return core::Ok();
  }

  size_t NonNull(size_t c) const {
    const ColumnBuffer& b = buffers_[c];
    switch (physical_[c]) {
      case Physical::kBool: return b.bools.size();
      case Physical::kI32: return b.i32.size();
      case Physical::kI64: return b.i64.size();
      case Physical::kF64: return b.f64.size();
      case Physical::kDec16: return b.i128.size();
      case Physical::kStr: return b.str_offsets.size() - 1;
    }
    return 0;
  }

  Statistics ChunkStatistics(size_t c) const {
    const ColumnBuffer& b = buffers_[c];
    Statistics s;
    s.null_count = static_cast<int64_t>(b.defs.size() - NonNull(c));
    auto minmax = [&](const auto& v) {
      if (v.empty()) return;
      auto [lo, hi] = std::minmax_element(v.begin(), v.end());
      s.min_value = LeBytes(*lo);
      s.max_value = LeBytes(*hi);
    };
    switch (physical_[c]) {
      case Physical::kBool:
        if (!b.bools.empty()) {
          bool any_true = std::find(b.bools.begin(), b.bools.end(), 1) != b.bools.end();
          bool any_false = std::find(b.bools.begin(), b.bools.end(), 0) != b.bools.end();
          s.min_value = std::string(1, any_false ? '\0' : '\1');
          s.max_value = std::string(1, any_true ? '\1' : '\0');
        }
        break;
      case Physical::kI32: minmax(b.i32); break;
      case Physical::kI64: minmax(b.i64); break;
      case Physical::kDec16:
        // DECIMAL orders signed; the statistics hold the values' own big-endian bytes.
        if (!b.i128.empty()) {
          auto [lo, hi] = std::minmax_element(b.i128.begin(), b.i128.end());
          s.min_value.emplace();
          s.max_value.emplace();
          AppendBigEndian16(*s.min_value, *lo);
          AppendBigEndian16(*s.max_value, *hi);
        }
        break;
      case Physical::kF64: {
        // NaN has no place in an order, and the spec asks for -0.0 as a zero minimum and +0.0 as a zero
        // maximum, so readers never prune a row group that holds the other zero.
        bool any = false;
        double lo = 0, hi = 0;
        for (double d : b.f64) {
          if (std::isnan(d)) continue;
          if (!any || d < lo) lo = d;
          if (!any || d > hi) hi = d;
          any = true;
        }
        if (any) {
          if (lo == 0) lo = -0.0;
          if (hi == 0) hi = 0.0;
          s.min_value = LeBytes(lo);
          s.max_value = LeBytes(hi);
        }
        break;
      }
      case Physical::kStr: {
        size_t n = b.str_offsets.size() - 1;
        if (n == 0) break;
        std::string_view lo = b.Str(0), hi = b.Str(0);
        for (size_t i = 1; i < n; ++i) {
          std::string_view v = b.Str(i);
          // std::string_view compares chars as unsigned (char_traits<char>::lt), the UTF-8 order Parquet wants.
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        if (lo.size() <= kMaxStatisticsBytes && hi.size() <= kMaxStatisticsBytes) {
          s.min_value = std::string(lo);
          s.max_value = std::string(hi);
        }
        break;
      }
    }
    return s;
  }

  // Builds the dictionary of column c into dict_values_ (PLAIN bytes) and indices_; false when the column
  // should stay PLAIN.
  bool BuildDictionary(size_t c) {
    const ColumnBuffer& b = buffers_[c];
    size_t n = NonNull(c);
    // Wide decimals stay PLAIN: NDL's fundamentals repeat few values, and it keeps the writer simple.
    if (!settings_.dictionary || n == 0 || physical_[c] == Physical::kBool || physical_[c] == Physical::kDec16) {
      return false;
    }
    size_t width = physical_[c] == Physical::kI32 ? 4 : 8;
    size_t max_entries = std::max<size_t>(16, static_cast<size_t>(static_cast<double>(n) * kMaxDistinctShare));
    if (physical_[c] != Physical::kStr) {
      max_entries = std::min(max_entries, static_cast<size_t>(settings_.dictionary_max_bytes) / width);
    }
    if (max_entries == 0) return false;
    dict_.Reset(max_entries);
    dict_values_.clear();
    indices_.resize(n);
    auto fixed = [&](const auto& v) {
      using T = typename std::decay_t<decltype(v)>::value_type;
      std::vector<uint64_t>& keys = dict_keys_;
      keys.clear();
      for (size_t i = 0; i < n; ++i) {
        uint64_t bits = 0;
        std::memcpy(&bits, &v[i], sizeof(T));  // bit patterns: -0.0 and 0.0 stay distinct values
        int32_t idx = dict_.Insert(
            bits, [&](int32_t k) { return keys[static_cast<size_t>(k)] == bits; },
            [&] {
              keys.push_back(bits);
              AppendLe(dict_values_, v[i]);
            });
        if (idx < 0 || (i + 1 == kDictionarySample && dict_.count() * 4 > kDictionarySample * 3)) return false;
        indices_[i] = static_cast<uint32_t>(idx);
      }
      return true;
    };
    switch (physical_[c]) {
      case Physical::kI32: return fixed(b.i32);
      case Physical::kI64: return fixed(b.i64);
      case Physical::kF64: return fixed(b.f64);
      case Physical::kStr: {
        dict_strings_.clear();
        size_t dict_bytes = 0;
        for (size_t i = 0; i < n; ++i) {
          std::string_view s = b.Str(i);
          int32_t idx = dict_.Insert(
              std::hash<std::string_view>{}(s), [&](int32_t k) { return dict_strings_[static_cast<size_t>(k)] == s; },
              [&] {
                dict_strings_.push_back(s);
                dict_bytes += s.size() + 4;
              });
          if (idx < 0 || static_cast<int64_t>(dict_bytes) > settings_.dictionary_max_bytes ||
              (i + 1 == kDictionarySample && dict_.count() * 4 > kDictionarySample * 3)) {
            return false;
          }
          indices_[i] = static_cast<uint32_t>(idx);
        }
        dict_values_.reserve(dict_bytes);
        for (std::string_view s : dict_strings_) {
          AppendLe(dict_values_, static_cast<uint32_t>(s.size()));
          dict_values_.append(s);
        }
        return true;
      }
      case Physical::kBool:
      case Physical::kDec16: return false;
    }
    return false;
  }

  // PLAIN bytes of the non-NULL values [first, last) of column c.
  void AppendPlain(size_t c, size_t first, size_t last, std::string& out) const {
    const ColumnBuffer& b = buffers_[c];
    auto raw = [&](const auto& v) {
      using T = typename std::decay_t<decltype(v)>::value_type;
      out.append(reinterpret_cast<const char*>(v.data() + first), (last - first) * sizeof(T));
    };
    switch (physical_[c]) {
      case Physical::kBool: AppendPackedBools(b.bools.data() + first, last - first, out); break;
      case Physical::kI32: raw(b.i32); break;
      case Physical::kI64: raw(b.i64); break;
      case Physical::kF64: raw(b.f64); break;
      case Physical::kDec16:
        for (size_t i = first; i < last; ++i) AppendBigEndian16(out, b.i128[i]);
        break;
      case Physical::kStr:
        for (size_t i = first; i < last; ++i) {
          std::string_view s = b.Str(i);
          AppendLe(out, static_cast<uint32_t>(s.size()));
          out.append(s);
        }
        break;
    }
  }

  core::Status Compress(const std::string& raw, std::string& compressed) {
    switch (settings_.codec) {
      case format::kUncompressed: compressed = raw; return core::Ok();
      case format::kSnappy: {
        compressed.resize(snappy::MaxCompressedLength(raw.size()));
        size_t n = 0;
        snappy::RawCompress(raw.data(), raw.size(), compressed.data(), &n);
        compressed.resize(n);
        return core::Ok();
      }
      case format::kZstd: {
        if (!zstd_) zstd_ = ZSTD_createCCtx();
        if (!zstd_) return Fail(ErrorKind::kTransient, "cannot allocate a zstd context (out of memory)");
        compressed.resize(ZSTD_compressBound(raw.size()));
        size_t n = ZSTD_compressCCtx(zstd_, compressed.data(), compressed.size(), raw.data(), raw.size(),
                                     settings_.compression_level);
        if (ZSTD_isError(n)) {
          return Fail(ErrorKind::kInternal, std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
        }
        compressed.resize(n);
        return core::Ok();
      }
    }
    return Fail(ErrorKind::kInternal, "unknown Parquet codec");
  }

  // Compresses a page body and appends header + body to out; returns the header + body sizes.
  core::Status EmitPage(PageHeader header, const std::string& body, ColumnMetaData& meta, std::string& out) {
    if (auto st = Compress(body, compressed_); !st) return st;
    if (body.size() > INT32_MAX || compressed_.size() > INT32_MAX) {
      return Fail(ErrorKind::kInvalidInput, "a Parquet page would exceed 2 GiB; lower data_page_size_bytes");
    }
    header.uncompressed_size = static_cast<int32_t>(body.size());
    header.compressed_size = static_cast<int32_t>(compressed_.size());
    header_.clear();
    AppendPageHeader(header, header_);
    Emit(out, header_);
    Emit(out, compressed_);
    meta.total_uncompressed_size += static_cast<int64_t>(header_.size() + body.size());
    meta.total_compressed_size += static_cast<int64_t>(header_.size() + compressed_.size());
    return core::Ok();
  }

  core::Result<ColumnMetaData> WriteChunk(size_t c, std::string& out) {
    const ColumnBuffer& b = buffers_[c];
    const size_t rows = b.defs.size();
    const size_t non_null = NonNull(c);
    ColumnMetaData meta;
    meta.type = *LeafElement(schema_.field(c)).type;
    meta.path = {schema_.field(c).name};
    meta.codec = settings_.codec;
    meta.num_values = static_cast<int64_t>(rows);
    meta.statistics = ChunkStatistics(c);

    bool dictionary = BuildDictionary(c);
    int bit_width = 1;
    if (dictionary) {
      meta.dictionary_page_offset = offset_;
      bit_width = BitWidth(dict_.count() > 0 ? dict_.count() - 1 : 0);
      PageHeader h;
      h.type = format::kDictionaryPage;
      h.num_values = static_cast<int32_t>(dict_.count());
      if (auto st = EmitPage(h, dict_values_, meta, out); !st) return Fail(st.error());
      meta.encodings = {format::kPlain, format::kRle, format::kRleDictionary};
    } else {
      meta.encodings = {format::kPlain, format::kRle};
    }
    meta.data_page_offset = offset_;

    // Rows per page from the chunk's average encoded row size.
    size_t value_bytes = 0;
    if (dictionary) {
      value_bytes = non_null * static_cast<size_t>(bit_width) / 8;
    } else if (physical_[c] == Physical::kStr) {
      value_bytes = b.arena.size() + 4 * non_null;
    } else {
      value_bytes = non_null * (physical_[c] == Physical::kBool    ? 1
                                : physical_[c] == Physical::kI32   ? 4
                                : physical_[c] == Physical::kDec16 ? 16
                                                                   : 8);
    }
    size_t per_row = std::max<size_t>(1, (value_bytes + rows / 8) / std::max<size_t>(1, rows));
    size_t rows_per_page = std::max<size_t>(1024, static_cast<size_t>(settings_.data_page_size_bytes) / per_row);

    size_t row = 0, value = 0;
    while (row < rows) {
      size_t end = std::min(rows, row + rows_per_page);
      size_t values_in_page = static_cast<size_t>(std::count(b.defs.begin() + static_cast<ptrdiff_t>(row),
                                                             b.defs.begin() + static_cast<ptrdiff_t>(end), uint8_t{1}));
      page_.clear();
      AppendDefinitionLevels(b.defs.data() + row, end - row, page_);
      if (dictionary) {
        page_.push_back(static_cast<char>(bit_width));
        AppendRleHybrid(indices_.data() + value, values_in_page, bit_width, page_);
      } else {
        AppendPlain(c, value, value + values_in_page, page_);
      }
      PageHeader h;
      h.type = format::kDataPage;
      h.num_values = static_cast<int32_t>(end - row);
      h.encoding = dictionary ? format::kRleDictionary : format::kPlain;
      if (auto st = EmitPage(h, page_, meta, out); !st) return Fail(st.error());
      row = end;
      value += values_in_page;
    }
    return meta;
  }

  const ParquetSettings& settings_;
  const core::Schema& schema_;  // the sink's bound schema, which outlives its writers
  std::vector<Physical> physical_;
  std::vector<ColumnBuffer> buffers_;
  size_t buffered_rows_ = 0;
  size_t buffered_bytes_ = 0;
  int64_t offset_ = 0;  // bytes emitted since Begin: the file offset of the next byte
  int64_t total_rows_ = 0;
  std::vector<RowGroup> row_groups_;

  DictionaryBuilder dict_;
  std::vector<uint64_t> dict_keys_;
  std::vector<std::string_view> dict_strings_;
  std::string dict_values_;
  std::vector<uint32_t> indices_;
  std::string page_, compressed_, header_;
  ZSTD_CCtx* zstd_ = nullptr;
};

}  // namespace

ParquetSettings ReadParquetSettings(const core::Options& options, core::OptionProblems& problems) {
  // The table holds every rule of these options (the codec's names, the sizes' ranges): a setting it
  // refuses is reported and left at its default, so that the rest can still be checked.
  auto from_table = core::CheckOptionValues(options, ParquetSinkOptions());
  auto refused = [&](const core::OptionKey<int64_t>& key) {
    return std::any_of(from_table.begin(), from_table.end(), [&](const auto& p) { return p.key == key.name; });
  };
  ParquetSettings s;
  std::string codec = options.Get(kCompression);
  s.codec = codec == "snappy" ? format::kSnappy : codec == "none" ? format::kUncompressed : format::kZstd;
  if (!refused(kCompressionLevel)) s.compression_level = static_cast<int>(options.Get(kCompressionLevel));
  if (!refused(kRowGroupSizeBytes)) s.row_group_size_bytes = options.Get(kRowGroupSizeBytes);
  if (!refused(kRowGroupRows)) s.row_group_rows = options.Get(kRowGroupRows);
  if (!refused(kDataPageSizeBytes)) s.data_page_size_bytes = options.Get(kDataPageSizeBytes);
  s.dictionary = options.Get(kDictionary);
  if (!refused(kDictionaryMaxBytes)) s.dictionary_max_bytes = options.Get(kDictionaryMaxBytes);
  problems.insert(problems.end(), from_table.begin(), from_table.end());
  return s;
}

core::Result<ParquetSettings> ParquetSettingsFromOptions(const core::Options& options) {
  core::OptionProblems problems;
  ParquetSettings s = ReadParquetSettings(options, problems);
  if (auto st = core::ProblemsToStatus(problems, "option "); !st) return core::Fail(st.error());
  return s;
}

std::string_view ParquetCreatedBy() {
  return "datasync version 0.1.0";
}

ParquetFormat::ParquetFormat(ParquetSettings settings)
    : settings_(settings), merger_(std::make_unique<ParquetMerger>()) {}
ParquetFormat::~ParquetFormat() = default;

std::unique_ptr<files::RowFormatWriter> ParquetFormat::NewWriter(const core::Schema& schema) const {
  return std::make_unique<ParquetFileWriter>(settings_, schema);
}

const files::PartMerger* ParquetFormat::merger() const {
  return merger_.get();
}

}  // namespace datasync::storage::parquet
