// The benchmarks' Tushare `daily`-shaped data: 11 columns (ts_code, trade_date and nine floats with two
// decimals), one batch per trading day of `rows` stocks, deterministic per day. Shared by bench/sinks and
// bench/databases so their numbers describe the same rows.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "core/column_batch.hpp"

namespace datasync::bench {

inline core::SchemaPtr DailySchema() {
  std::vector<core::Field> fields = {{"ts_code", core::LogicalType::String()}, {"trade_date", core::LogicalType::Date()}};
  for (const char* name : {"open", "high", "low", "close", "pre_close", "change", "pct_chg", "vol", "amount"}) {
    fields.push_back({name, core::LogicalType::Float64()});
  }
  return std::make_shared<core::Schema>(std::move(fields));
}

// One trading day of `rows` stocks, with prices that have realistic digit counts.
inline core::ColumnBatch DailyBatch(const core::SchemaPtr& schema, int32_t day, size_t rows) {
  core::ColumnBatch batch(schema);
  batch.Reserve(rows);
  uint64_t seed = 88172645463325252ULL + static_cast<uint64_t>(day);
  auto next = [&] {
    seed ^= seed << 13;
    seed ^= seed >> 7;
    seed ^= seed << 17;
    return static_cast<double>(seed % 100000) / 100.0;
  };
  for (size_t i = 0; i < rows; ++i) {
    char code[32];
    std::snprintf(code, sizeof code, "%06zu.%s", i, i % 2 ? "SZ" : "SH");
    batch.column(0).AppendString(code);
    batch.column(1).AppendInt32(day);
    double close = next();
    for (size_t c = 2; c < 11; ++c) batch.column(c).AppendFloat64(c == 5 ? close : next());
  }
  return batch;
}

}  // namespace datasync::bench
