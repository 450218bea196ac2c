#include "storage/parquet/parquet_metadata.hpp"

#include "storage/parquet/thrift_compact.hpp"

namespace datasync::storage::parquet {

using core::ErrorKind;
using core::Fail;

namespace {

void AppendLogical(ThriftWriter& w, const LogicalAnnotation& l) {
  using Kind = LogicalAnnotation::Kind;
  if (l.kind == Kind::kNone || l.kind == Kind::kOther) return;  // kOther is only ever read, never written
  w.FieldStruct(10);  // SchemaElement.logicalType (a union: exactly one member set)
  switch (l.kind) {
    case Kind::kString:
      w.FieldStruct(1);  // STRING: StringType {}
      w.EndStruct();
      break;
    case Kind::kDecimal:
      w.FieldStruct(5);  // DECIMAL: DecimalType {1: scale, 2: precision}
      w.FieldI32(1, l.scale);
      w.FieldI32(2, l.precision);
      w.EndStruct();
      break;
    case Kind::kDate:
      w.FieldStruct(6);  // DATE: DateType {}
      w.EndStruct();
      break;
    case Kind::kTimestampMicrosUtc:
      w.FieldStruct(8);  // TIMESTAMP: TimestampType {1: isAdjustedToUTC, 2: unit}
      w.FieldBool(1, true);
      w.FieldStruct(2);  // TimeUnit union
      w.FieldStruct(2);  // MICROS: MicroSeconds {}
      w.EndStruct();
      w.EndStruct();
      w.EndStruct();
      break;
    case Kind::kInteger:
      w.FieldStruct(10);  // INTEGER: IntType {1: bitWidth (i8), 2: isSigned}
      w.FieldI8(1, l.bit_width);
      w.FieldBool(2, true);
      w.EndStruct();
      break;
    case Kind::kNone:
    case Kind::kOther: break;
  }
  w.EndStruct();
}

void AppendStatistics(ThriftWriter& w, int16_t id, const Statistics& s) {
  w.FieldStruct(id);
  if (s.null_count) w.FieldI64(3, *s.null_count);
  if (s.max_value) w.FieldBinary(5, *s.max_value);
  if (s.min_value) w.FieldBinary(6, *s.min_value);
  w.EndStruct();
}

}  // namespace

void AppendPageHeader(const PageHeader& h, std::string& out) {
  ThriftWriter w(out);
  w.FieldI32(1, h.type);
  w.FieldI32(2, h.uncompressed_size);
  w.FieldI32(3, h.compressed_size);
  if (h.type == format::kDictionaryPage) {
    w.FieldStruct(7);  // DictionaryPageHeader
    w.FieldI32(1, h.num_values);
    w.FieldI32(2, format::kPlain);
    w.EndStruct();
  } else {
    w.FieldStruct(5);  // DataPageHeader
    w.FieldI32(1, h.num_values);
    w.FieldI32(2, h.encoding);
    w.FieldI32(3, format::kRle);  // definition levels
    w.FieldI32(4, format::kRle);  // repetition levels (none: flat schema)
    w.EndStruct();
  }
  w.EndStruct();
}

void AppendFileMetaData(const FileMetaData& m, std::string& out) {
  ThriftWriter w(out);
  w.FieldI32(1, m.version);
  w.FieldList(2, ThriftType::kStruct, m.schema.size());
  for (const auto& e : m.schema) {
    w.ListStruct();
    if (e.type) w.FieldI32(1, *e.type);
    if (e.type_length) w.FieldI32(2, *e.type_length);
    if (e.repetition) w.FieldI32(3, *e.repetition);
    w.FieldBinary(4, e.name);
    if (e.num_children) w.FieldI32(5, *e.num_children);
    if (e.converted_type) w.FieldI32(6, *e.converted_type);
    if (e.scale) w.FieldI32(7, *e.scale);
    if (e.precision) w.FieldI32(8, *e.precision);
    AppendLogical(w, e.logical);
    w.EndStruct();
  }
  w.FieldI64(3, m.num_rows);
  w.FieldList(4, ThriftType::kStruct, m.row_groups.size());
  for (const auto& rg : m.row_groups) {
    w.ListStruct();
    w.FieldList(1, ThriftType::kStruct, rg.columns.size());
    for (const auto& c : rg.columns) {
      w.ListStruct();  // ColumnChunk
      // file_offset is deprecated and "should be 0" when no ColumnMetaData is written outside the footer.
      w.FieldI64(2, 0);
      w.FieldStruct(3);  // ColumnMetaData
      w.FieldI32(1, c.type);
      w.FieldList(2, ThriftType::kI32, c.encodings.size());
      for (int32_t e : c.encodings) w.ListI32(e);
      w.FieldList(3, ThriftType::kBinary, c.path.size());
      for (const auto& p : c.path) w.ListBinary(p);
      w.FieldI32(4, c.codec);
      w.FieldI64(5, c.num_values);
      w.FieldI64(6, c.total_uncompressed_size);
      w.FieldI64(7, c.total_compressed_size);
      w.FieldI64(9, c.data_page_offset);
      if (c.dictionary_page_offset) w.FieldI64(11, *c.dictionary_page_offset);
      if (c.statistics) AppendStatistics(w, 12, *c.statistics);
      w.EndStruct();
      w.EndStruct();
    }
    w.FieldI64(2, rg.total_byte_size);
    w.FieldI64(3, rg.num_rows);
    w.FieldI64(5, rg.file_offset);
    w.FieldI64(6, rg.total_compressed_size);
    w.FieldI16(7, rg.ordinal);
    w.EndStruct();
  }
  if (!m.key_value.empty()) {
    w.FieldList(5, ThriftType::kStruct, m.key_value.size());
    for (const auto& [k, v] : m.key_value) {
      w.ListStruct();
      w.FieldBinary(1, k);
      w.FieldBinary(2, v);
      w.EndStruct();
    }
  }
  w.FieldBinary(6, m.created_by);
  // TYPE_ORDER for every leaf: without column_orders, readers must ignore min_value/max_value.
  size_t leaves = m.schema.empty() ? 0 : m.schema.size() - 1;
  w.FieldList(7, ThriftType::kStruct, leaves);
  for (size_t i = 0; i < leaves; ++i) {
    w.ListStruct();
    w.FieldStruct(1);
    w.EndStruct();
    w.EndStruct();
  }
  w.EndStruct();
}

namespace {

// Calls fn(id, type) for each field of the struct the reader is at; the callback must consume the field
// (or return false to have it skipped).
template <class Fn>
void ForEachField(ThriftReader& r, Fn fn) {
  r.BeginStruct();
  int16_t id;
  ThriftType type;
  while (r.NextField(id, type)) {
    if (!fn(id, type)) r.Skip(type);
  }
  r.EndStruct();
}

template <class Fn>
void ForEachListElement(ThriftReader& r, Fn fn) {
  ThriftType element;
  uint32_t n;
  r.ReadListHeader(element, n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) fn(element);
}

LogicalAnnotation ReadLogical(ThriftReader& r) {
  LogicalAnnotation l;
  ForEachField(r, [&](int16_t id, ThriftType type) {
    if (type != ThriftType::kStruct) return false;
    switch (id) {
      case 1: l.kind = LogicalAnnotation::Kind::kString; return false;
      case 6: l.kind = LogicalAnnotation::Kind::kDate; return false;
      case 8: {
        // TimestampType {1: isAdjustedToUTC, 2: unit (a union: 1 MILLIS, 2 MICROS, 3 NANOS)}
        bool utc = false, micros = false;
        ForEachField(r, [&](int16_t f, ThriftType t) {
          if (f == 1 && (t == ThriftType::kBoolTrue || t == ThriftType::kBoolFalse)) {
            utc = r.ReadBool(t);
            return true;
          }
          if (f != 2 || t != ThriftType::kStruct) return false;
          ForEachField(r, [&](int16_t u, ThriftType) {
            micros = u == 2;
            return false;
          });
          return true;
        });
        l.kind = utc && micros ? LogicalAnnotation::Kind::kTimestampMicrosUtc : LogicalAnnotation::Kind::kOther;
        return true;
      }
      case 5:
        l.kind = LogicalAnnotation::Kind::kDecimal;
        ForEachField(r, [&](int16_t f, ThriftType t) {
          if (f == 1)
            l.scale = static_cast<int32_t>(r.ReadInt(t));
          else if (f == 2)
            l.precision = static_cast<int32_t>(r.ReadInt(t));
          else
            return false;
          return true;
        });
        return true;
      case 10:
        l.kind = LogicalAnnotation::Kind::kInteger;
        ForEachField(r, [&](int16_t f, ThriftType t) {
          if (f != 1) return false;
          l.bit_width = static_cast<int8_t>(r.ReadInt(t));
          return true;
        });
        return true;
      default: l.kind = LogicalAnnotation::Kind::kOther; return false;
    }
  });
  return l;
}

Statistics ReadStatistics(ThriftReader& r) {
  Statistics s;
  ForEachField(r, [&](int16_t id, ThriftType type) {
    switch (id) {
      case 3: s.null_count = r.ReadInt(type); return true;
      case 5: s.max_value = r.ReadBinary(); return true;
      case 6: s.min_value = r.ReadBinary(); return true;
      default: return false;
    }
  });
  return s;
}

ColumnMetaData ReadColumnMetaData(ThriftReader& r) {
  ColumnMetaData c;
  ForEachField(r, [&](int16_t id, ThriftType type) {
    switch (id) {
      case 1: c.type = static_cast<int32_t>(r.ReadInt(type)); return true;
      case 2:
        ForEachListElement(r, [&](ThriftType t) { c.encodings.push_back(static_cast<int32_t>(r.ReadInt(t))); });
        return true;
      case 3: ForEachListElement(r, [&](ThriftType) { c.path.push_back(r.ReadBinary()); }); return true;
      case 4: c.codec = static_cast<int32_t>(r.ReadInt(type)); return true;
      case 5: c.num_values = r.ReadInt(type); return true;
      case 6: c.total_uncompressed_size = r.ReadInt(type); return true;
      case 7: c.total_compressed_size = r.ReadInt(type); return true;
      case 9: c.data_page_offset = r.ReadInt(type); return true;
      case 11: c.dictionary_page_offset = r.ReadInt(type); return true;
      case 12: c.statistics = ReadStatistics(r); return true;
      default: return false;
    }
  });
  return c;
}

}  // namespace

core::Result<PageHeader> ParsePageHeader(std::string_view bytes, size_t& size) {
  ThriftReader r(bytes);
  PageHeader h;
  bool has_type = false, has_sub_header = false;
  auto read_sub_header = [&](bool data) {
    has_sub_header = true;
    ForEachField(r, [&](int16_t f, ThriftType t) {
      switch (f) {
        case 1: h.num_values = static_cast<int32_t>(r.ReadInt(t)); return true;
        case 2: h.encoding = static_cast<int32_t>(r.ReadInt(t)); return true;
        case 3:
          if (!data) return false;  // DictionaryPageHeader.is_sorted
          h.definition_level_encoding = static_cast<int32_t>(r.ReadInt(t));
          return true;
        default: return false;
      }
    });
  };
  int16_t id;
  ThriftType type;
  while (r.NextField(id, type)) {
    switch (id) {
      case 1:
        h.type = static_cast<int32_t>(r.ReadInt(type));
        has_type = true;
        break;
      case 2: h.uncompressed_size = static_cast<int32_t>(r.ReadInt(type)); break;
      case 3: h.compressed_size = static_cast<int32_t>(r.ReadInt(type)); break;
      case 5:  // DataPageHeader
        if (type != ThriftType::kStruct) return Fail(ErrorKind::kPermanent, "malformed Parquet page header");
        read_sub_header(true);
        break;
      case 7:  // DictionaryPageHeader
        if (type != ThriftType::kStruct) return Fail(ErrorKind::kPermanent, "malformed Parquet page header");
        read_sub_header(false);
        break;
      default: r.Skip(type);
    }
  }
  if (!r.ok() || !has_type) return Fail(ErrorKind::kPermanent, "malformed Parquet page header");
  if ((h.type == format::kDataPage || h.type == format::kDictionaryPage) && !has_sub_header) {
    return Fail(ErrorKind::kPermanent, "Parquet page header without its data or dictionary page header");
  }
  size = r.position();
  return h;
}

core::Result<FileMetaData> ParseFileMetaData(std::string_view bytes) {
  ThriftReader r(bytes);
  FileMetaData m;
  bool has_schema = false;
  int16_t id;
  ThriftType type;
  while (r.NextField(id, type)) {
    switch (id) {
      case 1: m.version = static_cast<int32_t>(r.ReadInt(type)); break;
      case 2:
        has_schema = true;
        ForEachListElement(r, [&](ThriftType) {
          SchemaElement e;
          ForEachField(r, [&](int16_t f, ThriftType t) {
            switch (f) {
              case 1: e.type = static_cast<int32_t>(r.ReadInt(t)); return true;
              case 2: e.type_length = static_cast<int32_t>(r.ReadInt(t)); return true;
              case 3: e.repetition = static_cast<int32_t>(r.ReadInt(t)); return true;
              case 4: e.name = r.ReadBinary(); return true;
              case 5: e.num_children = static_cast<int32_t>(r.ReadInt(t)); return true;
              case 6: e.converted_type = static_cast<int32_t>(r.ReadInt(t)); return true;
              case 7: e.scale = static_cast<int32_t>(r.ReadInt(t)); return true;
              case 8: e.precision = static_cast<int32_t>(r.ReadInt(t)); return true;
              case 10: e.logical = ReadLogical(r); return true;
              default: return false;
            }
          });
          m.schema.push_back(std::move(e));
        });
        break;
      case 3: m.num_rows = r.ReadInt(type); break;
      case 4:
        ForEachListElement(r, [&](ThriftType) {
          RowGroup rg;
          ForEachField(r, [&](int16_t f, ThriftType t) {
            switch (f) {
              case 1:
                ForEachListElement(r, [&](ThriftType) {
                  ForEachField(r, [&](int16_t cf, ThriftType) {
                    if (cf != 3) return false;
                    rg.columns.push_back(ReadColumnMetaData(r));
                    return true;
                  });
                });
                return true;
              case 2: rg.total_byte_size = r.ReadInt(t); return true;
              case 3: rg.num_rows = r.ReadInt(t); return true;
              case 5: rg.file_offset = r.ReadInt(t); return true;
              case 6: rg.total_compressed_size = r.ReadInt(t); return true;
              case 7: rg.ordinal = static_cast<int16_t>(r.ReadInt(t)); return true;
              default: return false;
            }
          });
          m.row_groups.push_back(std::move(rg));
        });
        break;
      case 5:
        ForEachListElement(r, [&](ThriftType) {
          std::pair<std::string, std::string> kv;
          ForEachField(r, [&](int16_t f, ThriftType) {
            if (f == 1)
              kv.first = r.ReadBinary();
            else if (f == 2)
              kv.second = r.ReadBinary();
            else
              return false;
            return true;
          });
          m.key_value.push_back(std::move(kv));
        });
        break;
      case 6: m.created_by = r.ReadBinary(); break;
      default: r.Skip(type);
    }
  }
  if (!r.ok() || !has_schema || m.schema.empty()) {
    return Fail(ErrorKind::kPermanent, "the Parquet footer is malformed");
  }
  for (const auto& rg : m.row_groups) {
    if (rg.columns.size() + 1 != m.schema.size()) {
      return Fail(ErrorKind::kPermanent, "a Parquet row group does not have one chunk per column");
    }
  }
  return m;
}

std::optional<std::string> FindKeyValue(const FileMetaData& meta, std::string_view key) {
  for (const auto& [k, v] : meta.key_value) {
    if (k == key) return v;
  }
  return std::nullopt;
}

}  // namespace datasync::storage::parquet
