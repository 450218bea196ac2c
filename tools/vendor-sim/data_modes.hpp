// Data modes [sim]: what a vendor does to the data it serves that a client must catch (datasync's issue 18,
// "Trust the data"). A revision rescales some fields of some rows from an instant of the simulator's clock
// on; a hole leaves rows out (the vendor served that day empty for those codes); a bad row sends one field
// as an out-of-range number or null. Each rule selects rows of one bar api (daily, adj_factor, daily_basic)
// by trade_date range and ts_code. The rules are part of RuntimeConfig (POST /_sim/config reads them, see
// data_mode_config.hpp). For each call DataApis builds a BarRowModes from the rules, the api and the clock,
// and asks it, row by row before the row cap, whether the row is in a hole and what its values become; so
// holes shrink `count` and has_more exactly as the vendor's missing rows would. The rules are plain values;
// a BarRowModes is a short-lived, single-threaded view for one call.
#pragma once

#include <array>
#include <bitset>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace datasync::vendorsim {

// The rows a rule applies to: rows of `api` whose trade_date lies in [first_day, last_day] (day numbers as
// civil_date.hpp counts them; unset = unbounded) and whose ts_code is in `codes` (empty = every code).
struct RowSelector {
  std::string api;
  std::optional<int> first_day;
  std::optional<int> last_day;
  std::vector<std::string> codes;  // sorted, no repeats

  bool Selects(std::string_view ts_code, int day) const;
};

// Each field's value × scale, rounded half away from zero to the field's precision, for calls answered at
// or after `after_ms` on the simulator's clock (unset = at once).
struct Revision {
  RowSelector rows;
  std::vector<std::string> fields;  // numeric fields of rows.api, no repeats
  double scale = 1.01;              // in [kMinScale, kMaxScale], never 1
  std::optional<int64_t> after_ms;

  static constexpr double kMinScale = 0.001;
  static constexpr double kMaxScale = 1000;
};

// The selected rows are left out of every answer.
struct Hole {
  RowSelector rows;
};

// The selected rows send `field` (never ts_code or trade_date) as `value`; nullopt sends null.
struct BadRow {
  RowSelector rows;
  std::string field;
  std::optional<double> value;
};

// The three runtime settings. Rules apply in list order: holes first (a row in a hole is gone), then every
// matching revision in turn (they compound), then bad rows (the last one on a field wins).
struct DataModes {
  std::vector<Revision> revisions;
  std::vector<Hole> holes;
  std::vector<BadRow> bad_rows;
};

// daily_basic has the most columns (ts_code and trade_date included).
inline constexpr size_t kMaxBarColumns = 18;

// The values of one bar row by the api's column index (DataApis' field order): scaled integers as the wire
// renders them (kNullValue, market_data.hpp, for null); the key columns 0 and 1 carry none. A column in
// `spoiled` is sent as spoiled_value (nullopt: null) instead.
struct BarCells {
  std::array<int64_t, kMaxBarColumns> value{};
  std::bitset<kMaxBarColumns> spoiled;
  std::array<std::optional<double>, kMaxBarColumns> spoiled_value{};
};

class BarRowModes {
 public:
  // `fields` are the api's columns as this call sends them and `steps[c]` the step of column c's scaled
  // values (1 for most; 100 where a 4-decimal column holds 2-decimal values); rules naming a field the call
  // does not have (vwap without the schema change) do nothing. Revisions with `after_ms` later than `now_ms`
  // are left out. Keeps references to `modes` and `steps`.
  BarRowModes(const DataModes& modes, std::string_view api, const std::vector<std::string_view>& fields,
              std::span<const int64_t> steps, int64_t now_ms);

  // Whether any rule applies to this call at all (the renderer's fast path).
  bool active() const { return !holes_.empty() || !revisions_.empty() || !bad_rows_.empty(); }
  bool Omits(std::string_view ts_code, int day) const;
  // Revisions, then bad rows, on the values of a row that is not omitted. A revision changes every non-null
  // value it selects: when rounding would give back the value, it moves one step further (up for a scale
  // above 1, down below 1); only a zero stays zero.
  void Apply(std::string_view ts_code, int day, BarCells& cells) const;

 private:
  struct ActiveRevision {
    const RowSelector* rows;
    std::vector<size_t> columns;
    int64_t mantissa;  // scale = mantissa / 10^exponent exactly, from its shortest decimal spelling
    int exponent;
    bool grows;  // scale > 1
  };
  struct ActiveBadRow {
    const BadRow* rule;
    size_t column;
  };

  std::span<const int64_t> steps_;
  std::vector<const RowSelector*> holes_;
  std::vector<ActiveRevision> revisions_;
  std::vector<ActiveBadRow> bad_rows_;
};

}  // namespace datasync::vendorsim
