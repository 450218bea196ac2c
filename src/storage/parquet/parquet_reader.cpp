#include "storage/parquet/parquet_reader.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_set>

#include "core/strings.hpp"
#include "storage/files/file_names.hpp"
#include "storage/files/file_options.hpp"
#include "storage/files/fs_util.hpp"
#include "storage/history.hpp"
#include "storage/parquet/parquet_decoder.hpp"
#include "storage/parquet/parquet_scan.hpp"
#include "storage/parquet/parquet_sink.hpp"

namespace datasync::storage::parquet {

using core::ErrorKind;
using core::Fail;
using core::LogicalType;
using core::TypeId;
using core::Value;

namespace {

// A filter from a value in config spelling: equal to it (max unset: at least it; min unset: at most it).
ScanFilter Filter(const std::string& column, const LogicalType& type, const std::optional<std::string>& min,
                  const std::optional<std::string>& max) {
  ScanFilter f;
  f.column = column;
  for (auto [text, bound] : {std::pair{&min, &f.min}, std::pair{&max, &f.max}}) {
    if (!*text) continue;
    *bound = ValueFromText(**text, type);
    f.impossible = f.impossible || !*bound;
  }
  return f;
}

// The distinct days of one key, for KeySpans: a bitmap for dates (a decade is 460 bytes a key), the values'
// text for anything else.
class DistinctDays {
 public:
  void Add(const Value& day) {
    if (const auto* d = std::get_if<int32_t>(&day.v); d && day.type.id == TypeId::kDate) {
      if (AddDay(*d)) return;
    }
    other_.insert(day.ToString());
  }
  int64_t Count() const {
    int64_t n = static_cast<int64_t>(other_.size());
    for (uint64_t w : bits_) n += __builtin_popcountll(w);
    return n;
  }

 private:
  // Beyond this span (about 2900 years) a key's dates go to the text set instead.
  static constexpr int64_t kMaxWords = (int64_t{1} << 20) / 64;

  bool AddDay(int32_t day) {
    int64_t word = (static_cast<int64_t>(day) - (static_cast<int64_t>(day) % 64 + 64) % 64) / 64;
    if (bits_.empty()) base_ = word;
    if (word < base_) {
      if (base_ - word + static_cast<int64_t>(bits_.size()) > kMaxWords) return false;
      bits_.insert(bits_.begin(), static_cast<size_t>(base_ - word), 0);
      base_ = word;
    } else if (word - base_ >= static_cast<int64_t>(bits_.size())) {
      if (word - base_ + 1 > kMaxWords) return false;
      bits_.resize(static_cast<size_t>(word - base_ + 1), 0);
    }
    int64_t bit = static_cast<int64_t>(day) - word * 64;
    bits_[static_cast<size_t>(word - base_)] |= uint64_t{1} << bit;
    return true;
  }

  int64_t base_ = 0;  // the first word's index (day / 64, rounded down)
  std::vector<uint64_t> bits_;
  std::unordered_set<std::string> other_;
};

}  // namespace

core::Result<std::unique_ptr<DatasetReader>> ParquetDatasetReader::Open(const ReaderContext& ctx) {
  core::Options options = ctx.options;
  if (auto st = options.ApplyDefaults(ParquetSinkOptions(), "storage '" + ctx.storage_name + "'"); !st) {
    return Fail(st.error());
  }
  if (auto st = core::ProblemsToStatus(CheckParquetSinkOptions(options), "storage '" + ctx.storage_name + "' option ");
      !st) {
    return Fail(st.error());
  }
  std::unique_ptr<ParquetDatasetReader> r(new ParquetDatasetReader());
  r->storage_ = ctx.storage_name;
  r->root_ = files::RootFolder(options, ctx.project_dir);
  return std::unique_ptr<DatasetReader>(std::move(r));
}

ScanSpec ParquetDatasetReader::NewSpec(const Dataset& ds) {
  ScanSpec spec;
  spec.versioned = ds.sidecar.history;
  return spec;
}

std::string ParquetDatasetReader::Where() const {
  return "storage '" + storage_ + "' (" + root_.string() + ")";
}

core::Result<std::optional<ParquetDatasetReader::Dataset>> ParquetDatasetReader::Find(
    const std::string& dataset) const {
  Dataset ds;
  ds.name = dataset;
  ds.dir = root_ / files::SafeFileName(dataset);
  auto sidecar = files::ReadSidecar(ds.dir);
  if (!sidecar) return Fail(sidecar.error());
  if (!*sidecar) return std::optional<Dataset>();
  ds.sidecar = std::move(**sidecar);
  if (ds.sidecar.format != "parquet") {
    return Fail(ErrorKind::kConfig, Where() + ": dataset '" + dataset + "' in " + ds.dir.string() + " holds " +
                                        ds.sidecar.format + " files, not parquet (its _schema.json says so)");
  }
  return std::optional<Dataset>(std::move(ds));
}

core::Result<ParquetDatasetReader::Dataset> ParquetDatasetReader::Synced(const std::string& dataset) const {
  auto found = Find(dataset);
  if (!found) return Fail(found.error());
  if (!*found) {
    return Fail(ErrorKind::kConfig, Where() + " has no dataset folder " + files::SafeFileName(dataset) +
                                        "/ with a _schema.json yet; run the plan that syncs dataset '" + dataset +
                                        "' first");
  }
  return std::move(**found);
}

core::Result<LogicalType> ParquetDatasetReader::TypeOf(const Dataset& ds, const std::string& column) const {
  auto type = SidecarType(ds.sidecar, column);
  if (!type) {
    return Fail(ErrorKind::kConfig, Where() + ": dataset '" + ds.name + "' has no column '" + column +
                                        "' (its _schema.json lists " + std::to_string(ds.sidecar.fields.size()) +
                                        " fields)");
  }
  return *type;
}

core::Result<std::map<std::string, LogicalType>> ParquetDatasetReader::Describe(const std::string& dataset) {
  auto ds = Synced(dataset);
  if (!ds) return Fail(ds.error());
  std::map<std::string, LogicalType> out;
  for (const auto* list : {&ds->sidecar.fields, &ds->sidecar.retired_fields}) {
    for (const auto& f : *list) out.emplace(f.name, f.type);
  }
  return out;
}

core::Result<std::vector<LogicalType>> ParquetDatasetReader::ScanRows(const ScanQuery& q, const RowVisitor& visit) {
  auto ds = Synced(q.dataset);
  if (!ds) return Fail(ds.error());
  ScanSpec spec = NewSpec(*ds);
  if (q.as_of) {
    auto micros = AsOfTime(*q.as_of, ds->sidecar.history, Where() + ": dataset '" + q.dataset + "'");
    if (!micros) return Fail(micros.error());
    spec.as_of_us = *micros;
  }
  for (const auto& c : q.columns) {
    auto t = TypeOf(*ds, c);
    if (!t) return Fail(t.error());
    spec.columns.push_back(c);
    spec.types.push_back(*t);
  }
  if (spec.columns.empty()) return spec.types;
  for (const auto& [c, v] : q.equals) {
    auto t = TypeOf(*ds, c);
    if (!t) return Fail(t.error());
    spec.filters.push_back(Filter(c, *t, v, v));
  }
  if (q.min || q.max) {
    auto t = TypeOf(*ds, q.range_column);
    if (!t) return Fail(t.error());
    spec.filters.push_back(Filter(q.range_column, *t, q.min, q.max));
  }
  auto st = ScanDataset(ds->dir, ds->sidecar, spec, [&](std::vector<Value>& row) {
    visit(row);
    return true;
  });
  if (!st) return Fail(st.error());
  return spec.types;
}

core::Result<std::vector<Value>> ParquetDatasetReader::DistinctValues(const ReadQuery& q) {
  auto ds = Synced(q.dataset);
  if (!ds) return Fail(ds.error());
  auto type = TypeOf(*ds, q.column);
  if (!type) return Fail(type.error());
  ScanSpec spec = NewSpec(*ds);
  spec.columns = {q.column};
  spec.types = {*type};
  for (const auto& [c, v] : q.equals) {
    auto t = TypeOf(*ds, c);
    if (!t) return Fail(t.error());
    spec.filters.push_back(Filter(c, *t, v, v));
  }
  spec.filters.push_back(Filter(q.column, *type, q.min, q.max));  // also: not NULL
  std::set<Value, ValueLess> values;
  auto st = ScanDataset(ds->dir, ds->sidecar, spec, [&](std::vector<Value>& row) {
    values.insert(std::move(row[0]));
    return true;
  });
  if (!st) return Fail(st.error());
  return std::vector<Value>(values.begin(), values.end());
}

core::Result<std::optional<Value>> ParquetDatasetReader::MaxValue(const std::string& dataset,
                                                                  const std::string& column) {
  auto ds = Find(dataset);
  if (!ds) return Fail(ds.error());
  if (!*ds) return std::optional<Value>();
  auto type = TypeOf(**ds, column);
  if (!type) return Fail(type.error());
  std::optional<Value> best;
  auto offer = [&](const Value& v) {
    if (v.is_null()) return;
    if (const auto* x = std::get_if<double>(&v.v); x && std::isnan(*x)) return;  // as SQLite, which stores NaN as NULL
    if (!best || CompareValues(v, *best) > 0) best = v;
  };
  ScanSpec spec = NewSpec(**ds);
  spec.columns = {column};
  spec.types = {*type};
  // A row group whose statistics hold the column's maximum is answered by them, without decoding it.
  spec.skip_row_group = [&](const ParquetFileDecoder& file, size_t g) {
    auto c = file.FindColumn(column);
    if (!c) return true;  // NULL in every row
    if (file.column_type(*c) != *type) return false;
    auto stats = file.Statistics(g, *c);
    if (stats.null_count && *stats.null_count >= file.num_rows(g)) return true;
    if (!stats.max) return false;
    offer(*stats.max);
    return true;
  };
  auto st = ScanDataset((*ds)->dir, (*ds)->sidecar, spec, [&](std::vector<Value>& row) {
    offer(row[0]);
    return true;
  });
  if (!st) return Fail(st.error());
  return best;
}

core::Result<ScanSpec> ParquetDatasetReader::KeyDayScan(const Dataset& ds, const std::string& key,
                                                        const std::string& date) const {
  auto key_type = TypeOf(ds, key);
  if (!key_type) return Fail(key_type.error());
  auto day_type = TypeOf(ds, date);
  if (!day_type) return Fail(day_type.error());
  ScanSpec spec = NewSpec(ds);
  spec.columns = {key, date};
  spec.types = {*key_type, *day_type};
  return spec;
}

core::Result<std::vector<KeySpan>> ParquetDatasetReader::KeySpans(const KeySpanQuery& q) {
  auto ds = Synced(q.dataset);
  if (!ds) return Fail(ds.error());
  auto scan = KeyDayScan(*ds, q.key, q.date);
  if (!scan) return Fail(scan.error());
  ScanSpec& spec = *scan;
  spec.filters = {Filter(q.key, spec.types[0], std::nullopt, std::nullopt),
                  Filter(q.date, spec.types[1], q.min, q.max)};
  struct Span {
    Value first, last;
    DistinctDays days;
  };
  std::map<Value, Span, ValueLess> spans;
  auto st = ScanDataset(ds->dir, ds->sidecar, spec, [&](std::vector<Value>& row) {
    auto [it, fresh] = spans.try_emplace(row[0]);
    Span& s = it->second;
    if (fresh || CompareValues(row[1], s.first) < 0) s.first = row[1];
    if (fresh || CompareValues(row[1], s.last) > 0) s.last = row[1];
    s.days.Add(row[1]);
    return true;
  });
  if (!st) return Fail(st.error());
  std::vector<KeySpan> out;
  out.reserve(spans.size());
  for (auto& [key, s] : spans) out.push_back({key.ToString(), std::move(s.first), std::move(s.last), s.days.Count()});
  return out;
}

core::Result<std::map<std::string, std::vector<Value>>> ParquetDatasetReader::KeyDays(const KeyDaysQuery& q) {
  std::map<std::string, std::vector<Value>> out;
  if (q.keys.empty()) return out;
  auto ds = Synced(q.dataset);
  if (!ds) return Fail(ds.error());
  auto scan = KeyDayScan(*ds, q.key, q.date);
  if (!scan) return Fail(scan.error());
  ScanSpec& spec = *scan;
  const LogicalType key_type = spec.types[0], day_type = spec.types[1];
  // Each key's window as values of the day column; a bound its type cannot hold leaves the key out.
  struct Window {
    Value min, max;
    std::set<Value, ValueLess> days;
  };
  std::map<std::string, Window> windows;
  std::optional<Value> lo, hi;
  std::optional<std::string> lo_text, hi_text, first_key, last_key;
  for (const auto& k : q.keys) {
    auto min = ValueFromText(k.min, day_type), max = ValueFromText(k.max, day_type);
    if (!min || !max) continue;
    if (!lo || CompareValues(*min, *lo) < 0) {
      lo = *min;
      lo_text = k.min;
    }
    if (!hi || CompareValues(*max, *hi) > 0) {
      hi = *max;
      hi_text = k.max;
    }
    if (!first_key || k.key < *first_key) first_key = k.key;
    if (!last_key || k.key > *last_key) last_key = k.key;
    windows[k.key] = Window{std::move(*min), std::move(*max), {}};
  }
  if (windows.empty()) return out;
  // The key column's range prunes row groups only when it is text (then text order is the column's order).
  if (key_type.id == TypeId::kString) {
    spec.filters.push_back(Filter(q.key, key_type, first_key, last_key));
  } else {
    spec.filters.push_back(Filter(q.key, key_type, std::nullopt, std::nullopt));
  }
  spec.filters.push_back(Filter(q.date, day_type, lo_text, hi_text));
  auto st = ScanDataset(ds->dir, ds->sidecar, spec, [&](std::vector<Value>& row) {
    auto it = windows.find(row[0].ToString());
    if (it == windows.end()) return true;
    Window& w = it->second;
    if (CompareValues(row[1], w.min) >= 0 && CompareValues(row[1], w.max) <= 0) w.days.insert(std::move(row[1]));
    return true;
  });
  if (!st) return Fail(st.error());
  for (auto& [key, w] : windows) {
    if (!w.days.empty()) out[key] = std::vector<Value>(w.days.begin(), w.days.end());
  }
  return out;
}

core::Result<Rows> ParquetDatasetReader::LatestRows(const RowsQuery& q) {
  auto ds = Synced(q.dataset);
  if (!ds) return Fail(ds.error());
  Rows out;
  ScanSpec spec = NewSpec(*ds);
  for (const auto& c : q.columns) {
    auto t = TypeOf(*ds, c);
    if (!t) return Fail(t.error());
    out.columns.push_back(c);
    out.types.push_back(*t);
  }
  if (out.columns.empty()) return out;
  spec.columns = out.columns;
  spec.types = out.types;
  std::optional<LogicalType> order_type;
  if (!q.order_by.empty()) {
    auto t = TypeOf(*ds, q.order_by);
    if (!t) return Fail(t.error());
    order_type = *t;
    spec.columns.push_back(q.order_by);  // the sort key rides last, dropped from the rows returned
    spec.types.push_back(*t);
  }
  for (const auto& [c, v] : q.equals) {
    auto t = TypeOf(*ds, c);
    if (!t) return Fail(t.error());
    spec.filters.push_back(Filter(c, *t, v, v));
  }
  const size_t limit = q.limit == 0 ? 100 : q.limit;
  // The newest `limit` rows so far, as a min-heap on the sort key (NULL sorts first, so it goes first).
  using Entry = std::pair<Value, std::vector<Value>>;
  auto newer = [](const Entry& a, const Entry& b) { return CompareValues(a.first, b.first) > 0; };
  std::vector<Entry> heap;
  if (order_type) {
    // A row group whose newest value is older than every row kept cannot add one.
    spec.skip_row_group = [&](const ParquetFileDecoder& file, size_t g) {
      if (heap.size() < limit) return false;
      auto c = file.FindColumn(q.order_by);
      if (!c || file.column_type(*c) != *order_type) return false;
      auto stats = file.Statistics(g, *c);
      return stats.max && CompareValues(*stats.max, heap.front().first) <= 0;
    };
  }
  auto st = ScanDataset(ds->dir, ds->sidecar, spec, [&](std::vector<Value>& row) {
    if (!order_type) {
      out.rows.push_back(row);
      return out.rows.size() < limit;
    }
    Value key = std::move(row.back());
    row.pop_back();
    if (heap.size() == limit) {
      if (CompareValues(key, heap.front().first) <= 0) return true;
      std::pop_heap(heap.begin(), heap.end(), newer);
      heap.pop_back();
    }
    heap.emplace_back(std::move(key), row);
    std::push_heap(heap.begin(), heap.end(), newer);
    return true;
  });
  if (!st) return Fail(st.error());
  if (order_type) {
    std::sort_heap(heap.begin(), heap.end(), newer);  // newest first
    for (auto& e : heap) out.rows.push_back(std::move(e.second));
  }
  return out;
}

}  // namespace datasync::storage::parquet
