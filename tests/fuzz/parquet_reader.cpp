#include "parquet_reader.hpp"

#include <snappy.h>
#include <zstd.h>

#include <cstring>

#include "storage/parquet/parquet_metadata.hpp"
#include "storage/parquet/thrift_compact.hpp"

namespace datasync::fuzz {

namespace pq = storage::parquet;
using core::LogicalType;
using core::TypeId;
using core::Value;

namespace {

core::Error Bad(const std::string& what) {
  return core::Error(core::ErrorKind::kPermanent, "parquet: " + what);
}

template <class T>
T Le(std::string_view s, size_t at) {
  T v;
  std::memcpy(&v, s.data() + at, sizeof v);
  return v;
}

core::Result<LogicalType> TypeOf(const pq::SchemaElement& e) {
  using K = pq::LogicalAnnotation::Kind;
  if (!e.type) return core::Fail(Bad("column " + e.name + " has no physical type"));
  switch (*e.type) {
    case pq::format::kBoolean: return LogicalType::Bool();
    case pq::format::kInt32:
      if (e.logical.kind == K::kDate) return LogicalType::Date();
      return LogicalType::Int32();
    case pq::format::kInt64:
      if (e.logical.kind == K::kTimestampMicrosUtc) return LogicalType::Timestamp();
      if (e.logical.kind == K::kDecimal) {
        return LogicalType::Decimal(static_cast<uint8_t>(e.logical.precision), static_cast<uint8_t>(e.logical.scale));
      }
      return LogicalType::Int64();
    case pq::format::kDouble: return LogicalType::Float64();
    case pq::format::kFixedLenByteArray:
      // DECIMAL(p,s) for 19 <= p <= 38: 16 bytes, big-endian two's complement.
      if (e.logical.kind != K::kDecimal || e.type_length.value_or(0) != 16 || e.logical.precision < 19 ||
          e.logical.precision > 38 || e.logical.scale < 0 || e.logical.scale > e.logical.precision) {
        return core::Fail(Bad("FIXED_LEN_BYTE_ARRAY column " + e.name + " is not a DECIMAL(19..38,s) of 16 bytes"));
      }
      return LogicalType::Decimal(static_cast<uint8_t>(e.logical.precision), static_cast<uint8_t>(e.logical.scale));
    case pq::format::kByteArray:
      if (e.logical.kind != K::kString) return core::Fail(Bad("BYTE_ARRAY column " + e.name + " is not a STRING"));
      return LogicalType::String();
  }
  return core::Fail(Bad("column " + e.name + " has physical type " + std::to_string(*e.type)));
}

struct PageHeader {
  int32_t type = -1;
  int32_t uncompressed = -1;
  int32_t compressed = -1;
  int32_t num_values = -1;
  int32_t encoding = -1;
};

// The PageHeader struct at the start of `s`; `used` gets its length.
core::Result<PageHeader> ReadPageHeader(std::string_view s, size_t& used) {
  pq::ThriftReader r(s);
  PageHeader h;
  int16_t id;
  pq::ThriftType t;
  while (r.NextField(id, t)) {
    if (id == 1) {
      h.type = static_cast<int32_t>(r.ReadInt(t));
    } else if (id == 2) {
      h.uncompressed = static_cast<int32_t>(r.ReadInt(t));
    } else if (id == 3) {
      h.compressed = static_cast<int32_t>(r.ReadInt(t));
    } else if ((id == 5 || id == 7) && t == pq::ThriftType::kStruct) {
      r.BeginStruct();
      int16_t sid;
      pq::ThriftType st;
      while (r.NextField(sid, st)) {
        if (sid == 1) {
          h.num_values = static_cast<int32_t>(r.ReadInt(st));
        } else if (sid == 2) {
          h.encoding = static_cast<int32_t>(r.ReadInt(st));
        } else {
          r.Skip(st);
        }
      }
      r.EndStruct();
    } else {
      r.Skip(t);
    }
  }
  if (!r.ok()) return core::Fail(Bad("page header is not valid Thrift"));
  if (h.type < 0 || h.uncompressed < 0 || h.compressed < 0 || h.num_values < 0) {
    return core::Fail(Bad("page header lacks a required field"));
  }
  used = r.position();
  return h;
}

core::Result<std::string> Decompress(int32_t codec, std::string_view in, size_t size) {
  std::string out;
  switch (codec) {
    case pq::format::kUncompressed:
      if (in.size() != size) return core::Fail(Bad("uncompressed page size differs from its header"));
      return std::string(in);
    case pq::format::kZstd: {
      out.resize(size);
      size_t n = ZSTD_decompress(out.data(), size, in.data(), in.size());
      if (ZSTD_isError(n) || n != size) return core::Fail(Bad("zstd page does not decompress to its size"));
      return out;
    }
    case pq::format::kSnappy:
      if (!snappy::Uncompress(in.data(), in.size(), &out) || out.size() != size) {
        return core::Fail(Bad("snappy page does not decompress to its size"));
      }
      return out;
  }
  return core::Fail(Bad("unknown codec " + std::to_string(codec)));
}

// The RLE/bit-packed hybrid: `count` values of `bit_width` bits from s[pos..end).
core::Status ReadHybrid(std::string_view s, size_t pos, size_t end, int bit_width, size_t count,
                        std::vector<uint32_t>& out) {
  out.clear();
  if (bit_width < 0 || bit_width > 32) return core::Fail(Bad("bit width " + std::to_string(bit_width)));
  const size_t value_bytes = (static_cast<size_t>(bit_width) + 7) / 8;
  while (out.size() < count) {
    uint64_t header = 0;
    for (int shift = 0;; shift += 7) {
      if (pos >= end || shift > 63) return core::Fail(Bad("RLE run header runs past its data"));
      auto b = static_cast<uint8_t>(s[pos++]);
      header |= uint64_t{b & 0x7fu} << shift;
      if (!(b & 0x80)) break;
    }
    if (header & 1) {
      const uint64_t groups = header >> 1;
      if (groups == 0 || groups > (end - pos))
        return core::Fail(Bad("bit-packed run of " + std::to_string(groups) + " groups"));
      const size_t bytes = groups * static_cast<size_t>(bit_width);
      if (bytes > end - pos) return core::Fail(Bad("bit-packed run runs past its data"));
      for (size_t i = 0; i < groups * 8 && out.size() < count; ++i) {
        uint64_t v = 0;
        for (int b = 0; b < bit_width; ++b) {
          size_t bit = i * static_cast<size_t>(bit_width) + static_cast<size_t>(b);
          v |= uint64_t{(static_cast<uint8_t>(s[pos + bit / 8]) >> (bit % 8)) & 1u} << b;
        }
        out.push_back(static_cast<uint32_t>(v));
      }
      pos += bytes;
    } else {
      const uint64_t run = header >> 1;
      if (run == 0 || value_bytes > end - pos) return core::Fail(Bad("RLE run of " + std::to_string(run)));
      uint64_t v = 0;
      for (size_t b = 0; b < value_bytes; ++b) v |= uint64_t{static_cast<uint8_t>(s[pos + b])} << (8 * b);
      pos += value_bytes;
      if (bit_width < 32 && v >> bit_width) return core::Fail(Bad("RLE value wider than its bit width"));
      for (uint64_t i = 0; i < run && out.size() < count; ++i) out.push_back(static_cast<uint32_t>(v));
    }
  }
  return core::Ok();
}

// `count` PLAIN values of `type` from s[pos..), advancing pos.
core::Status ReadPlain(std::string_view s, size_t& pos, const LogicalType& type, size_t count,
                       std::vector<Value>& out) {
  auto need = [&](size_t n) { return n <= s.size() - pos; };
  if (type.id == TypeId::kBool) {
    if (!need((count + 7) / 8)) return core::Fail(Bad("PLAIN booleans run past the page"));
    for (size_t i = 0; i < count; ++i)
      out.push_back(Value::Bool((static_cast<uint8_t>(s[pos + i / 8]) >> (i % 8)) & 1));
    pos += (count + 7) / 8;
    return core::Ok();
  }
  for (size_t i = 0; i < count; ++i) {
    switch (type.id) {
      case TypeId::kInt32:
      case TypeId::kDate: {
        if (!need(4)) return core::Fail(Bad("PLAIN INT32 runs past the page"));
        int32_t v = Le<int32_t>(s, pos);
        pos += 4;
        out.push_back(type.id == TypeId::kDate ? Value::Date(v) : Value::Int32(v));
        break;
      }
      case TypeId::kDecimal:
        if (type.IsWideDecimal()) {
          if (!need(16)) return core::Fail(Bad("PLAIN FIXED_LEN_BYTE_ARRAY(16) runs past the page"));
          unsigned __int128 u = 0;
          for (size_t k = 0; k < 16; ++k) u = (u << 8) | static_cast<uint8_t>(s[pos + k]);
          pos += 16;
          out.push_back(Value{static_cast<core::Int128>(u), type});
          break;
        }
        [[fallthrough]];
      case TypeId::kInt64:
      case TypeId::kTimestamp:
      case TypeId::kFloat64: {
        if (!need(8)) return core::Fail(Bad("PLAIN 8-byte value runs past the page"));
        if (type.id == TypeId::kFloat64) {
          out.push_back(Value::Float64(Le<double>(s, pos)));
        } else {
          out.push_back(Value{Le<int64_t>(s, pos), type});
        }
        pos += 8;
        break;
      }
      case TypeId::kString: {
        if (!need(4)) return core::Fail(Bad("PLAIN BYTE_ARRAY length runs past the page"));
        uint32_t n = Le<uint32_t>(s, pos);
        pos += 4;
        if (!need(n)) return core::Fail(Bad("PLAIN BYTE_ARRAY of " + std::to_string(n) + " bytes runs past the page"));
        out.push_back(Value::String(std::string(s.substr(pos, n))));
        pos += n;
        break;
      }
      case TypeId::kBool: break;
    }
  }
  return core::Ok();
}

// One column chunk's values (NULLs included), appended to `column`.
core::Status ReadChunk(std::string_view file, const pq::ColumnMetaData& meta, const LogicalType& type,
                       std::vector<Value>& column) {
  if (meta.StartOffset() < 4 || meta.total_compressed_size < 0 ||
      static_cast<uint64_t>(meta.StartOffset()) + static_cast<uint64_t>(meta.total_compressed_size) > file.size()) {
    return core::Fail(Bad("column chunk lies outside the file"));
  }
  std::string_view chunk =
      file.substr(static_cast<size_t>(meta.StartOffset()), static_cast<size_t>(meta.total_compressed_size));
  std::vector<Value> dictionary;
  bool have_dictionary = false;
  int64_t values = 0;
  size_t pos = 0;
  std::vector<uint32_t> levels, indices;
  while (values < meta.num_values) {
    if (pos >= chunk.size())
      return core::Fail(Bad("column chunk ends after " + std::to_string(values) + " of its values"));
    size_t used = 0;
    auto h = ReadPageHeader(chunk.substr(pos), used);
    if (!h) return core::Fail(h.error());
    pos += used;
    if (static_cast<size_t>(h->compressed) > chunk.size() - pos) return core::Fail(Bad("page runs past its chunk"));
    auto page = Decompress(meta.codec, chunk.substr(pos, static_cast<size_t>(h->compressed)),
                           static_cast<size_t>(h->uncompressed));
    if (!page) return core::Fail(page.error());
    pos += static_cast<size_t>(h->compressed);
    const std::string& p = *page;
    if (h->type == pq::format::kDictionaryPage) {
      if (have_dictionary || values > 0) return core::Fail(Bad("dictionary page after the chunk's start"));
      size_t at = 0;
      if (auto st = ReadPlain(p, at, type, static_cast<size_t>(h->num_values), dictionary); !st) return st;
      have_dictionary = true;
      continue;
    }
    if (h->type != pq::format::kDataPage) return core::Fail(Bad("page type " + std::to_string(h->type)));
    const auto n = static_cast<size_t>(h->num_values);
    if (p.size() < 4) return core::Fail(Bad("data page without definition levels"));
    const uint32_t levels_len = Le<uint32_t>(p, 0);
    if (levels_len > p.size() - 4) return core::Fail(Bad("definition levels run past the page"));
    if (auto st = ReadHybrid(p, 4, 4 + levels_len, 1, n, levels); !st) return st;
    size_t present = 0;
    for (uint32_t l : levels) present += l;
    std::vector<Value> got;
    size_t at = 4 + levels_len;
    if (h->encoding == pq::format::kPlain) {
      if (auto st = ReadPlain(p, at, type, present, got); !st) return st;
      if (at != p.size())
        return core::Fail(Bad("PLAIN page has " + std::to_string(p.size() - at) + " bytes left over"));
    } else if (h->encoding == pq::format::kRleDictionary) {
      if (!have_dictionary) return core::Fail(Bad("dictionary-encoded page without a dictionary"));
      if (present > 0) {
        if (at >= p.size()) return core::Fail(Bad("dictionary indices without a bit width"));
        int width = static_cast<uint8_t>(p[at]);
        if (auto st = ReadHybrid(p, at + 1, p.size(), width, present, indices); !st) return st;
        for (uint32_t i : indices) {
          if (i >= dictionary.size()) return core::Fail(Bad("dictionary index " + std::to_string(i) + " out of range"));
          got.push_back(dictionary[i]);
        }
      }
    } else {
      return core::Fail(Bad("data page encoding " + std::to_string(h->encoding)));
    }
    size_t next = 0;
    for (uint32_t l : levels) column.push_back(l ? got[next++] : Value::Null(type));
    values += static_cast<int64_t>(n);
  }
  if (values != meta.num_values) return core::Fail(Bad("column chunk holds more values than its metadata says"));
  return core::Ok();
}

}  // namespace

core::Result<ParquetContents> ReadParquet(std::string_view file) {
  if (file.size() < 12 || file.substr(0, 4) != "PAR1" || file.substr(file.size() - 4) != "PAR1") {
    return core::Fail(Bad("no PAR1 magic at both ends"));
  }
  const uint32_t footer_len = Le<uint32_t>(file, file.size() - 8);
  if (footer_len > file.size() - 12) return core::Fail(Bad("footer length " + std::to_string(footer_len)));
  auto meta = pq::ParseFileMetaData(file.substr(file.size() - 8 - footer_len, footer_len));
  if (!meta) return core::Fail(meta.error());
  ParquetContents out;
  if (meta->schema.empty()) return core::Fail(Bad("footer without a schema"));
  std::vector<LogicalType> types;
  for (size_t i = 1; i < meta->schema.size(); ++i) {
    const auto& e = meta->schema[i];
    if (e.repetition != pq::format::kOptional) return core::Fail(Bad("column " + e.name + " is not OPTIONAL"));
    auto t = TypeOf(e);
    if (!t) return core::Fail(t.error());
    out.fields.push_back({e.name, *t, true, ""});
    types.push_back(*t);
  }
  int64_t total = 0;
  for (const auto& rg : meta->row_groups) {
    if (rg.columns.size() != types.size())
      return core::Fail(Bad("row group with " + std::to_string(rg.columns.size()) + " columns"));
    std::vector<std::vector<Value>> columns(types.size());
    for (size_t c = 0; c < types.size(); ++c) {
      if (auto st = ReadChunk(file, rg.columns[c], types[c], columns[c]); !st) return core::Fail(st.error());
      if (static_cast<int64_t>(columns[c].size()) != rg.num_rows) {
        return core::Fail(Bad("column " + std::to_string(c) + " holds " + std::to_string(columns[c].size()) +
                              " values in a row group of " + std::to_string(rg.num_rows) + " rows"));
      }
    }
    for (int64_t r = 0; r < rg.num_rows; ++r) {
      std::vector<Value> row;
      for (auto& col : columns) row.push_back(std::move(col[static_cast<size_t>(r)]));
      out.rows.push_back(std::move(row));
    }
    total += rg.num_rows;
  }
  if (total != meta->num_rows)
    return core::Fail(
        Bad("row groups hold " + std::to_string(total) + " rows, the footer says " + std::to_string(meta->num_rows)));
  return out;
}

}  // namespace datasync::fuzz
