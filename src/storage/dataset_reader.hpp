// DatasetReader: the read port of a storage (ARCHITECTURE §9): what argument generators may read from
// local data (the trading days of a calendar dataset, the codes listed in another dataset, the plan's
// own checkpoint). Sinks that can read their data back provide one through SinkInfo::open_reader; the
// generation domain sees only this interface, so it stays free of I/O of its own.
//
// Lifecycle: opened per storage (app/ resolves which storage holds a dataset), then queried any number of
// times, then destroyed. Thread-safety: one thread at a time. A dataset that was never written (no table,
// no folder) is kConfig from DistinctValues (the plan that syncs it must run first) and an empty answer
// from MaxValue (nothing synced yet). Names come from configuration and vendor docs: implementations
// quote them and bind values, never splice them into query text. A versioned table (storage/history.hpp)
// reads as its current rows everywhere, and Describe leaves out its version and unit columns.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/options.hpp"
#include "core/value.hpp"

namespace datasync::storage {

struct ReadQuery {
  std::string dataset;  // as in BindContext::dataset
  std::string column;
  // column = value, for each pair. Values are text in the config's spelling ("SSE", "1", "20240102");
  // the reader converts them to the column's stored representation (dates, numbers).
  std::vector<std::pair<std::string, std::string>> equals;
  std::optional<std::string> min;  // inclusive bounds on `column`, converted like `equals`
  std::optional<std::string> max;
};

// KeySpans: per key, the days it has rows for, counted by the storage (coverage by key).
struct KeySpanQuery {
  std::string dataset;
  std::string key;                 // the key column (a code)
  std::string date;                // the day column
  std::optional<std::string> min;  // inclusive bounds on `date`, in config spelling
  std::optional<std::string> max;
};

struct KeySpan {
  std::string key;    // the key's value as text (Value::ToString)
  core::Value first;  // its first and last day, typed by the day column
  core::Value last;
  int64_t days = 0;  // distinct days with rows
};

// LatestRows: the newest rows of a dataset (the web app's data preview and chart).
struct RowsQuery {
  std::string dataset;
  std::vector<std::string> columns;  // what to read, in this order
  std::string order_by;              // newest first by this column (the date key)
  // column = value, for each pair, values in config spelling as in ReadQuery::equals
  std::vector<std::pair<std::string, std::string>> equals;
  size_t limit = 100;
};

// ScanRows: every matching row, for comparing a storage with another or with the vendor (reconcile, verify).
struct ScanQuery {
  std::string dataset;
  std::vector<std::string> columns;  // what to read, in this order
  // column = value, for each pair, values in config spelling as in ReadQuery::equals
  std::vector<std::pair<std::string, std::string>> equals;
  std::string range_column;  // with min/max: inclusive bounds on this column, converted like `equals`
  std::optional<std::string> min;
  std::optional<std::string> max;
  // A versioned table (history: true) read as it was known at this time (a timestamp, UTC); unset: its
  // current rows. A table without history refuses it (kInvalidInput).
  std::optional<std::string> as_of;
};

// KeyDays: the days of some keys, each within its own window (coverage by key reads those of the keys whose
// day count falls short).
struct KeyWindow {
  std::string key;  // the key's value as text (KeySpan::key)
  std::string min;  // inclusive bounds on the day column, in config spelling
  std::string max;
};
struct KeyDaysQuery {
  std::string dataset;
  std::string key;   // the key column
  std::string date;  // the day column
  std::vector<KeyWindow> keys;
};

// One row of a scan, its values in ScanQuery::columns order, typed like DistinctValues.
using RowVisitor = std::function<void(std::vector<core::Value>& row)>;

struct Rows {
  std::vector<std::string> columns;
  std::vector<core::LogicalType> types;
  std::vector<std::vector<core::Value>> rows;  // newest first
};

class DatasetReader {
 public:
  virtual ~DatasetReader() = default;
  // Distinct non-null values of query.column among the matching rows, ascending, typed by the column's
  // logical type (dates as Value::Date).
  virtual core::Result<std::vector<core::Value>> DistinctValues(const ReadQuery& query) = 0;
  // The largest non-null value of `column`; nullopt when the dataset has no rows yet.
  virtual core::Result<std::optional<core::Value>> MaxValue(const std::string& dataset, const std::string& column) = 0;
  // One entry per distinct non-null key, ascending: first and last day and the count of distinct days, in one
  // GROUP BY of the storage. Storages that cannot group refuse (kInvalidInput), and coverage says so.
  virtual core::Result<std::vector<KeySpan>> KeySpans(const KeySpanQuery& query) {
    return core::Fail(core::ErrorKind::kInvalidInput,
                      "this storage cannot count days per key (dataset " + query.dataset + ")");
  }
  // For each key of the query, the distinct non-null days of its rows within its window, ascending, typed like
  // DistinctValues (a key without rows there maps to nothing). By default one DistinctValues per key, which a
  // store with an index answers at once; a store that must scan (Parquet) answers all keys in one pass.
  virtual core::Result<std::map<std::string, std::vector<core::Value>>> KeyDays(const KeyDaysQuery& query) {
    std::map<std::string, std::vector<core::Value>> out;
    for (const auto& k : query.keys) {
      ReadQuery q{query.dataset, query.date, {{query.key, k.key}}, k.min, k.max};
      auto values = DistinctValues(q);
      if (!values) return core::Fail(values.error());
      if (!values->empty()) out[k.key] = std::move(*values);
    }
    return out;
  }
  // Up to query.limit rows, newest first by query.order_by, typed like DistinctValues. A column the table
  // lacks is kConfig naming it. Storages that cannot read rows back refuse (kInvalidInput).
  virtual core::Result<Rows> LatestRows(const RowsQuery& query) {
    return core::Fail(core::ErrorKind::kInvalidInput, "this storage cannot read rows back (dataset " + query.dataset +
                                                          "); preview a sqlite or database storage");
  }
  // The dataset's columns with their logical types (kConfig naming the plan to run when it was never synced).
  // Storages that cannot read rows back refuse (kInvalidInput), as LatestRows.
  virtual core::Result<std::map<std::string, core::LogicalType>> Describe(const std::string& dataset) {
    return core::Fail(core::ErrorKind::kInvalidInput,
                      "this storage cannot read rows back (dataset " + dataset + "); use a sqlite or database storage");
  }
  // Hands every matching row to `visit`, in no particular order, and returns the columns' types. The rows are
  // streamed where the client can (SQLite) and read per query otherwise: callers bound a scan by a range.
  virtual core::Result<std::vector<core::LogicalType>> ScanRows(const ScanQuery& query, const RowVisitor& visit) {
    (void)visit;
    return core::Fail(core::ErrorKind::kInvalidInput, "this storage cannot read rows back (dataset " + query.dataset +
                                                          "); use a sqlite or database storage");
  }
};

struct ReaderContext {
  std::string storage_name;  // for messages
  core::Options options;     // the storage's validated options
  std::filesystem::path project_dir;
};

}  // namespace datasync::storage
