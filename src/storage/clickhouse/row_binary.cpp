#include "storage/clickhouse/row_binary.hpp"

#include <cstring>

#include "core/dates.hpp"

namespace datasync::storage::clickhouse {

using core::LogicalType;
using core::TypeId;

namespace {

template <class T>
void Put(std::string& out, T v) {
  // x86-64 and aarch64 are little-endian, as RowBinary is.
  char bytes[sizeof(T)];
  std::memcpy(bytes, &v, sizeof(T));
  out.append(bytes, sizeof(T));
}

void PutString(std::string& out, std::string_view s) {
  uint64_t n = s.size();
  do {
    uint8_t b = n & 0x7f;
    n >>= 7;
    out.push_back(static_cast<char>(n ? b | 0x80 : b));
  } while (n);
  out.append(s);
}

int32_t LastDay() {
  static const int32_t day = core::DaysFromCivil({2105, 12, 31});
  return day;
}


core::Error Refused(const core::ColumnBatch& batch, size_t col, size_t row, const char* why) {
  return core::Error(core::ErrorKind::kInvalidInput, "column '" + batch.schema().field(col).name + "' row " +
                                                         std::to_string(row + 1) + " value " +
                                                         batch.column(col).GetValue(row).ToString() + ": " + why);
}

// The cell as an integer, for the integer and decimal targets (sources: int32, int64, decimal unscaled).
int64_t IntegerOf(const core::Column& col, size_t r) {
  return col.type().id == TypeId::kInt32 ? col.GetInt32(r) : col.GetInt64(r);
}

// The same for a decimal target, where the source may be a wide decimal.
core::Int128 UnscaledOf(const core::Column& col, size_t r) {
  return col.type().id == TypeId::kDecimal ? col.GetDecimal(r) : core::Int128{IntegerOf(col, r)};
}

}  // namespace

bool CanConvert(const LogicalType& from, const LogicalType& to) {
  if (from == to || to.id == TypeId::kString) return true;
  switch (to.id) {
    case TypeId::kInt64: return from.id == TypeId::kInt32;
    case TypeId::kFloat64: return from.id == TypeId::kInt32 || from.id == TypeId::kInt64;
    case TypeId::kDecimal:
      return (from.id == TypeId::kInt32 || from.id == TypeId::kInt64 || from.id == TypeId::kDecimal) &&
             to.scale >= (from.id == TypeId::kDecimal ? from.scale : 0);
    default: return false;
  }
}

core::Status AppendRowBinary(const core::ColumnBatch& batch, const RowBinaryLayout& layout, uint64_t first_version,
                             std::string_view unit, std::string& out) {
  const size_t ncols = batch.num_columns();
  const int32_t last_day = LastDay();
  if (layout.columns.size() != ncols) {
    return core::Fail(core::ErrorKind::kInternal, "RowBinary layout has " + std::to_string(layout.columns.size()) +
                                                      " columns, the batch " + std::to_string(ncols));
  }
  for (size_t c = 0; c < ncols; ++c) {
    if (!CanConvert(batch.column(c).type(), layout.columns[c].stored)) {
      return core::Fail(core::ErrorKind::kInternal,
                        "column '" + batch.schema().field(c).name + "' is " + layout.columns[c].stored.ToString() +
                            " in the table and cannot take " + batch.column(c).type().ToString() + " values");
    }
  }
  std::string text;
  for (size_t r = 0; r < batch.num_rows(); ++r) {
    for (size_t c = 0; c < ncols; ++c) {
      const core::Column& col = batch.column(c);
      const RowBinaryColumn& target = layout.columns[c];
      bool valid = col.IsValid(r);
      if (target.nullable) {
        out.push_back(valid ? 0 : 1);
        if (!valid) continue;
      } else if (!valid) {
        return core::Fail(Refused(batch, c, r, "NULL in a column ClickHouse declares without Nullable"));
      }
      const LogicalType& from = col.type();
      switch (target.stored.id) {
        case TypeId::kBool: out.push_back(col.GetBool(r) ? 1 : 0); break;
        case TypeId::kInt32: Put<int32_t>(out, col.GetInt32(r)); break;
        case TypeId::kInt64: Put<int64_t>(out, IntegerOf(col, r)); break;
        case TypeId::kFloat64:
          Put<double>(out, from.id == TypeId::kFloat64 ? col.GetFloat64(r) : static_cast<double>(IntegerOf(col, r)));
          break;
        case TypeId::kString:
          if (from.id == TypeId::kString) {
            PutString(out, col.GetString(r));
          } else {
            text = col.GetValue(r).ToString();
            PutString(out, text);
          }
          break;
        case TypeId::kDate: {
          int32_t d = col.GetInt32(r);
          if (d < 0 || d > last_day)
            return core::Fail(Refused(batch, c, r, "ClickHouse's Date holds 1970-01-01 to 2105-12-31"));
          Put<uint16_t>(out, static_cast<uint16_t>(d));
          break;
        }
        case TypeId::kTimestamp: {
          int64_t t = col.GetInt64(r);
          if (t < 0 || t % 1000000 != 0 || t / 1000000 > int64_t{UINT32_MAX}) {
            return core::Fail(Refused(batch, c, r,
                                      "ClickHouse's DateTime holds whole seconds from 1970-01-01 00:00:00 to "
                                      "2106-02-07 06:28:15 UTC"));
          }
          Put<uint32_t>(out, static_cast<uint32_t>(t / 1000000));
          break;
        }
        case TypeId::kDecimal: {
          const int shift = target.stored.scale - (from.id == TypeId::kDecimal ? from.scale : 0);
          const core::Int128 unscaled = UnscaledOf(col, r);
          // Checked before scaling, so that the multiplication cannot overflow.
          if (!core::FitsDecimalPrecision(unscaled, target.stored.precision - shift)) {
            return core::Fail(Refused(batch, c, r, "the value has more digits than the stored decimal column"));
          }
          const core::Int128 v = unscaled * core::Pow10Int128(shift);
          if (target.stored.precision <= 9) {
            Put<int32_t>(out, static_cast<int32_t>(v));
          } else if (target.stored.precision <= 18) {
            Put<int64_t>(out, static_cast<int64_t>(v));
          } else {
            Put<core::Int128>(out, v);  // Decimal128: 16 bytes, two's complement
          }
          break;
        }
      }
    }
    Put<uint64_t>(out, first_version + r);
    if (layout.with_unit) PutString(out, unit);
  }
  return core::Ok();
}

}  // namespace datasync::storage::clickhouse
