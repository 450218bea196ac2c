// The simulator's datatables (the Tables API): their published shape (columns with the vendor's type
// names, filterable columns, primary key) and a scan that visits the rows matching a query in primary-key
// order from any position, rendering each row on demand from NdlUniverse. A row's position is a RowKey,
// which is what a cursor stores, so following cursors visits every row exactly once.
//   QSIM/EQ    equity prices, pk [ticker, date], filterable ticker, date
//   QSIM/FUND  fundamentals,  pk [ticker, dimension, calendardate], filterable ticker, dimension, calendardate
// Immutable tables and pure functions: thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace datasync::vendorsim::ndl {

class NdlUniverse;

enum class ColumnType { kString, kDate, kDateTime, kInteger, kDecimal, kDouble, kBoolean };

struct ColumnSpec {
  std::string name;
  std::string type_name;  // as the vendor spells it: "String", "Date", "BigDecimal(34,12)", "double", …
  ColumnType type;
  bool filterable;
};

enum class TableId { kEquities, kFundamentals };

struct TableSpec {
  TableId id;
  std::string vendor_code;     // "QSIM"
  std::string datatable_code;  // "EQ"
  std::string name;
  std::string description;
  std::vector<ColumnSpec> columns;
  std::vector<std::string> primary_key;

  std::string FullCode() const { return vendor_code + "/" + datatable_code; }
  // Index of a column, or -1.
  int ColumnIndex(std::string_view name) const;
};

const std::vector<TableSpec>& Tables();
const TableSpec* FindTable(std::string_view vendor, std::string_view table);

// A row position in primary-key order: (ticker index, dimension index, day). EQ rows use dimension 0.
struct RowKey {
  uint32_t ticker = 0;
  uint32_t dimension = 0;
  int day = 0;
  bool operator<(const RowKey& o) const {
    return std::tie(ticker, dimension, day) < std::tie(o.ticker, o.dimension, o.day);
  }
  bool operator==(const RowKey& o) const { return ticker == o.ticker && dimension == o.dimension && day == o.day; }
};

enum class FilterOp { kIn, kGt, kGte, kLt, kLte };

// One filter condition on a filterable column: `values` are the text given; Date columns also carry them
// as day numbers. kIn matches any of the values; the comparisons use the first (and only) value.
struct Condition {
  int column = 0;
  FilterOp op = FilterOp::kIn;
  std::vector<std::string> values;
  std::vector<int> days;
};

// Visits the rows of `table` that satisfy every condition, in primary-key order, starting at `start`
// (inclusive); stops when visit returns false.
void ScanRows(const NdlUniverse& universe, const TableSpec& table, const std::vector<Condition>& conditions,
              RowKey start, const std::function<bool(const RowKey&)>& visit);

// Appends one row as a JSON array of the selected columns (indices into table.columns).
void RenderRow(const NdlUniverse& universe, const TableSpec& table, const RowKey& key, const std::vector<int>& columns,
               std::string& out);

}  // namespace datasync::vendorsim::ndl
