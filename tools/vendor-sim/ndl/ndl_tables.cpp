#include "ndl/ndl_tables.hpp"

#include <algorithm>
#include <charconv>
#include <climits>

#include "json_writer.hpp"
#include "ndl/ndl_universe.hpp"

namespace datasync::vendorsim::ndl {
namespace {

constexpr const char* kDecimal = "BigDecimal(34,12)";

// Column indices, fixed by the specs below.
enum EqColumn { kEqTicker, kEqDate, kEqOpen, kEqHigh, kEqLow, kEqClose, kEqVolume, kEqAdjClose };
enum FundColumn {
  kFundTicker,
  kFundDimension,
  kFundCalendarDate,
  kFundReportPeriod,
  kFundLastUpdated,
  kFundRevenue,
  kFundEps,
  kFundSharesWa,
  kFundIsRestated
};

bool MatchesString(const Condition& c, std::string_view value) {
  switch (c.op) {
    case FilterOp::kIn: return std::find(c.values.begin(), c.values.end(), value) != c.values.end();
    case FilterOp::kGt: return value > c.values[0];
    case FilterOp::kGte: return value >= c.values[0];
    case FilterOp::kLt: return value < c.values[0];
    case FilterOp::kLte: return value <= c.values[0];
  }
  return false;
}

bool MatchesDay(const Condition& c, int day) {
  switch (c.op) {
    case FilterOp::kIn: return std::find(c.days.begin(), c.days.end(), day) != c.days.end();
    case FilterOp::kGt: return day > c.days[0];
    case FilterOp::kGte: return day >= c.days[0];
    case FilterOp::kLt: return day < c.days[0];
    case FilterOp::kLte: return day <= c.days[0];
  }
  return false;
}

// The ticker indices [lo, hi) that the ticker conditions allow (a superset; rows are checked again).
void TickerRange(const NdlUniverse& u, const std::vector<Condition>& conditions, int ticker_column, size_t& lo,
                 size_t& hi) {
  lo = 0;
  hi = u.size();
  for (const Condition& c : conditions) {
    if (c.column != ticker_column) continue;
    switch (c.op) {
      case FilterOp::kIn: {
        size_t min_i = SIZE_MAX, max_i = 0;
        for (const std::string& v : c.values) {
          if (auto i = u.Find(v)) {
            min_i = std::min(min_i, *i);
            max_i = std::max(max_i, *i);
          }
        }
        if (min_i == SIZE_MAX) {
          hi = lo;
          return;
        }
        lo = std::max(lo, min_i);
        hi = std::min(hi, max_i + 1);
        break;
      }
      case FilterOp::kGt: lo = std::max(lo, u.UpperBound(c.values[0])); break;
      case FilterOp::kGte: lo = std::max(lo, u.LowerBound(c.values[0])); break;
      case FilterOp::kLt: hi = std::min(hi, u.LowerBound(c.values[0])); break;
      case FilterOp::kLte: hi = std::min(hi, u.UpperBound(c.values[0])); break;
    }
  }
}

// The days [lo, hi] the date conditions on `column` allow (a superset).
void DayRange(const std::vector<Condition>& conditions, int column, int& lo, int& hi) {
  for (const Condition& c : conditions) {
    if (c.column != column) continue;
    switch (c.op) {
      case FilterOp::kIn:
        lo = std::max(lo, *std::min_element(c.days.begin(), c.days.end()));
        hi = std::min(hi, *std::max_element(c.days.begin(), c.days.end()));
        break;
      case FilterOp::kGt: lo = std::max(lo, c.days[0] + 1); break;
      case FilterOp::kGte: lo = std::max(lo, c.days[0]); break;
      case FilterOp::kLt: hi = std::min(hi, c.days[0] - 1); break;
      case FilterOp::kLte: hi = std::min(hi, c.days[0]); break;
    }
  }
}

bool RowMatches(const NdlUniverse& u, const TableSpec& table, const std::vector<Condition>& conditions,
                const RowKey& key) {
  for (const Condition& c : conditions) {
    const ColumnSpec& col = table.columns[static_cast<size_t>(c.column)];
    bool ok = true;
    if (col.name == "ticker") {
      ok = MatchesString(c, u.Ticker(key.ticker));
    } else if (col.name == "dimension") {
      ok = MatchesString(c, NdlUniverse::Dimensions()[key.dimension]);
    } else if (col.type == ColumnType::kDate) {
      ok = MatchesDay(c, key.day);
    }
    if (!ok) return false;
  }
  return true;
}

void ScanEquities(const NdlUniverse& u, const TableSpec& table, const std::vector<Condition>& conditions, RowKey start,
                  const std::function<bool(const RowKey&)>& visit) {
  size_t lo, hi;
  TickerRange(u, conditions, kEqTicker, lo, hi);
  int day_lo = u.first_day(), day_hi = u.last_day();
  DayRange(conditions, kEqDate, day_lo, day_hi);
  for (size_t t = std::max<size_t>(lo, start.ticker); t < hi; ++t) {
    const int from = std::max({day_lo, u.ListDay(t), t == start.ticker ? start.day : INT_MIN});
    const int to = std::min(day_hi, u.DelistDay(t) - 1);
    for (int day = from; day <= to; ++day) {
      if (!u.Trades(t, day)) continue;
      const RowKey key{static_cast<uint32_t>(t), 0, day};
      if (!RowMatches(u, table, conditions, key)) continue;
      if (!visit(key)) return;
    }
  }
}

void ScanFundamentals(const NdlUniverse& u, const TableSpec& table, const std::vector<Condition>& conditions,
                      RowKey start, const std::function<bool(const RowKey&)>& visit) {
  size_t lo, hi;
  TickerRange(u, conditions, kFundTicker, lo, hi);
  int day_lo = INT_MIN, day_hi = INT_MAX;
  DayRange(conditions, kFundCalendarDate, day_lo, day_hi);
  const size_t dimensions = NdlUniverse::Dimensions().size();
  for (size_t t = std::max<size_t>(lo, start.ticker); t < hi; ++t) {
    const bool first_ticker = t == start.ticker;
    for (size_t d = first_ticker ? start.dimension : 0; d < dimensions; ++d) {
      const bool first_dimension = first_ticker && d == start.dimension;
      for (int day : u.CalendarDates(t, d)) {
        if (day < day_lo || day > day_hi || (first_dimension && day < start.day)) continue;
        const RowKey key{static_cast<uint32_t>(t), static_cast<uint32_t>(d), day};
        if (!RowMatches(u, table, conditions, key)) continue;
        if (!visit(key)) return;
      }
    }
  }
}

// value / 10^12 with trailing zeros trimmed (at least one fraction digit), e.g. 1234.5, 7.000000000001.
void WriteDecimal12(std::string& out, int64_t units, int64_t frac) {
  char digits[24];
  auto r = std::to_chars(digits, digits + sizeof digits, units);
  out.append(digits, r.ptr);
  out.push_back('.');
  char f[12];
  int64_t rest = frac;
  for (int k = 11; k >= 0; --k) {
    f[k] = static_cast<char>('0' + rest % 10);
    rest /= 10;
  }
  int len = 12;
  while (len > 1 && f[len - 1] == '0') --len;
  out.append(f, static_cast<size_t>(len));
}

}  // namespace

int TableSpec::ColumnIndex(std::string_view column) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == column) return static_cast<int>(i);
  }
  return -1;
}

const std::vector<TableSpec>& Tables() {
  static const std::vector<TableSpec> kTables{
      {TableId::kEquities,
       "QSIM",
       "EQ",
       "Simulated equity prices",
       "End-of-day prices of a synthetic US equity universe, one row per ticker and trading day.",
       {{"ticker", "String", ColumnType::kString, true},
        {"date", "Date", ColumnType::kDate, true},
        {"open", kDecimal, ColumnType::kDecimal, false},
        {"high", kDecimal, ColumnType::kDecimal, false},
        {"low", kDecimal, ColumnType::kDecimal, false},
        {"close", kDecimal, ColumnType::kDecimal, false},
        {"volume", "Integer", ColumnType::kInteger, false},
        {"adj_close", "double", ColumnType::kDouble, false}},
       {"ticker", "date"}},
      {TableId::kFundamentals,
       "QSIM",
       "FUND",
       "Simulated fundamentals",
       "Quarterly and annual fundamentals of the same universe, with restatements and missing values.",
       {{"ticker", "String", ColumnType::kString, true},
        {"dimension", "String", ColumnType::kString, true},
        {"calendardate", "Date", ColumnType::kDate, true},
        {"reportperiod", "Date", ColumnType::kDate, false},
        {"lastupdated", "DateTime", ColumnType::kDateTime, false},
        {"revenue", kDecimal, ColumnType::kDecimal, false},
        {"eps", "double", ColumnType::kDouble, false},
        {"shareswa", "Integer", ColumnType::kInteger, false},
        {"is_restated", "Boolean", ColumnType::kBoolean, false}},
       {"ticker", "dimension", "calendardate"}},
  };
  return kTables;
}

const TableSpec* FindTable(std::string_view vendor, std::string_view table) {
  for (const TableSpec& t : Tables()) {
    if (t.vendor_code == vendor && t.datatable_code == table) return &t;
  }
  return nullptr;
}

void ScanRows(const NdlUniverse& universe, const TableSpec& table, const std::vector<Condition>& conditions,
              RowKey start, const std::function<bool(const RowKey&)>& visit) {
  if (table.id == TableId::kEquities) {
    ScanEquities(universe, table, conditions, start, visit);
  } else {
    ScanFundamentals(universe, table, conditions, start, visit);
  }
}

void RenderRow(const NdlUniverse& u, const TableSpec& table, const RowKey& key, const std::vector<int>& columns,
               std::string& out) {
  JsonWriter w(out, JsonStyle::kCompact);
  w.Char('[');
  bool first = true;
  const auto next = [&] {
    if (!first) w.Char(',');
    first = false;
  };
  if (table.id == TableId::kEquities) {
    const EquityBar bar = u.Bar(key.ticker, key.day);
    for (int c : columns) {
      next();
      switch (c) {
        case kEqTicker: w.String(u.Ticker(key.ticker)); break;
        case kEqDate: w.PlainString(IsoDate(key.day)); break;
        case kEqOpen: w.Scaled(bar.open, 4); break;
        case kEqHigh: w.Scaled(bar.high, 4); break;
        case kEqLow: w.Scaled(bar.low, 4); break;
        case kEqClose: w.Scaled(bar.close, 4); break;
        case kEqVolume: w.Int(bar.volume); break;
        case kEqAdjClose: w.Double(bar.adj_close); break;
        default: w.Null();
      }
    }
  } else {
    const Fundamentals f = u.Fundamental(key.ticker, key.dimension, key.day);
    for (int c : columns) {
      next();
      switch (c) {
        case kFundTicker: w.String(u.Ticker(key.ticker)); break;
        case kFundDimension: w.PlainString(NdlUniverse::Dimensions()[key.dimension]); break;
        case kFundCalendarDate: w.PlainString(IsoDate(key.day)); break;
        case kFundReportPeriod: w.PlainString(IsoDate(f.report_day)); break;
        case kFundLastUpdated: w.PlainString(IsoDateTime(f.last_updated_secs)); break;
        case kFundRevenue:
          if (f.has_revenue) {
            WriteDecimal12(out, f.revenue_units, f.revenue_frac);
          } else {
            w.Null();
          }
          break;
        case kFundEps:
          if (f.eps) {
            w.Double(*f.eps);
          } else {
            w.Null();
          }
          break;
        case kFundSharesWa:
          if (f.shareswa) {
            w.Int(*f.shareswa);
          } else {
            w.Null();
          }
          break;
        case kFundIsRestated: w.Bool(f.is_restated); break;
        default: w.Null();
      }
    }
  }
  w.Char(']');
}

}  // namespace datasync::vendorsim::ndl
