#include "app/reconcile.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "app/coverage.hpp"
#include "app/local_data.hpp"
#include "core/dates.hpp"
#include "core/strings.hpp"
#include "storage/dataset_reader.hpp"

namespace datasync::app {

using core::ErrorKind;
using core::Fail;

std::optional<PartitionBy> ParsePartitionBy(std::string_view s) {
  if (s == "year") return PartitionBy::kYear;
  if (s == "month") return PartitionBy::kMonth;
  if (s == "day") return PartitionBy::kDay;
  return std::nullopt;
}

std::string_view PartitionByName(PartitionBy by) {
  switch (by) {
    case PartitionBy::kYear: return "year";
    case PartitionBy::kMonth: return "month";
    case PartitionBy::kDay: return "day";
  }
  return "month";
}

namespace {

std::string Label(int32_t day, PartitionBy by) {
  std::string iso = core::FormatIsoDate(day);  // YYYY-MM-DD
  switch (by) {
    case PartitionBy::kYear: return iso.substr(0, 4);
    case PartitionBy::kMonth: return iso.substr(0, 7);
    case PartitionBy::kDay: return iso;
  }
  return iso;
}

// One storage of the comparison: its reader and how its date column wants a day spelled.
struct Side {
  std::string name;
  std::shared_ptr<storage::DatasetReader> reader;
  std::map<std::string, core::LogicalType> columns;
  bool iso_days = true;  // a date or timestamp column reads "2024-01-02"; a text or number one "20240102"

  std::string Day(int32_t day) const { return iso_days ? core::FormatIsoDate(day) : core::FormatCompactDate(day); }
};

core::Error In(core::Error e, const std::string& what) {
  e.Context(what);
  return e;
}

class Reconciler {
 public:
  Reconciler(const datasource::Dataset& ds, const ReconcileOptions& options, Side& left, Side& right,
             CompareColumns columns)
      : ds_(ds), options_(options), left_(left), right_(right), columns_(std::move(columns)) {}

  // Every row of `side` within [first, last] of the date key (both unset: every row), to `visit`.
  core::Status Scan(Side& side, std::optional<int32_t> first, std::optional<int32_t> last,
                    const storage::RowVisitor& visit) {
    storage::ScanQuery q;
    q.dataset = ds_.name;
    q.columns = columns_.fields;
    if (first || last) q.range_column = ds_.date_key;
    if (first) q.min = side.Day(*first);
    if (last) q.max = side.Day(*last);
    auto scanned = side.reader->ScanRows(q, visit);
    if (!scanned) return Fail(In(scanned.error(), "reconcile of " + ds_.name + " in storage " + side.name));
    return core::Ok();
  }

  // The row-by-row comparison of [first, last], when the dataset has a key.
  core::Result<std::optional<RowDiff>> Rows(std::optional<int32_t> first, std::optional<int32_t> last) {
    if (columns_.key.empty()) return std::optional<RowDiff>();
    KeyedDiff diff(columns_, options_.max_examples);
    if (auto st = Scan(left_, first, last, [&](auto& row) { diff.AddLeft(row); }); !st) return Fail(st.error());
    if (auto st = Scan(right_, first, last, [&](auto& row) { diff.AddRight(row); }); !st) return Fail(st.error());
    return std::optional<RowDiff>(diff.Finish());
  }

  core::Status Whole(ReconcileReport& r) {
    RowDigest a, b;
    if (auto st = Scan(left_, {}, {}, [&](auto& row) { a.Add(RowHash(row, columns_)); }); !st) return st;
    if (auto st = Scan(right_, {}, {}, [&](auto& row) { b.Add(RowHash(row, columns_)); }); !st) return st;
    PartitionDiff p;
    p.label = "all";
    p.left_rows = a.rows;
    p.right_rows = b.rows;
    p.same = a == b;
    r.left_rows = a.rows;
    r.right_rows = b.rows;
    r.partitions.push_back(std::move(p));
    if (a == b) return core::Ok();
    ++r.partitions_differ;
    auto rows = Rows({}, {});
    if (!rows) return Fail(rows.error());
    if (*rows) {
      DayDiff whole;
      whole.left_rows = a.rows;
      whole.right_rows = b.rows;
      whole.rows = std::move(*rows);
      r.partitions.back().days.push_back(std::move(whole));
    }
    return core::Ok();
  }

  core::Status ByDay(ReconcileReport& r) {
    // The days either storage holds, counted by the storages.
    std::set<int32_t> days;
    for (Side* side : {&left_, &right_}) {
      storage::ReadQuery q;
      q.dataset = ds_.name;
      q.column = ds_.date_key;
      if (options_.from) q.min = side->Day(*options_.from);
      if (options_.to) q.max = side->Day(*options_.to);
      auto values = side->reader->DistinctValues(q);
      if (!values) return Fail(In(values.error(), "reconcile of " + ds_.name + " in storage " + side->name));
      for (const auto& v : *values) {
        if (auto d = DayOfValue(v)) days.insert(*d);
      }
    }
    if (days.empty()) return core::Ok();
    r.from = options_.from.value_or(*days.begin());
    r.to = options_.to.value_or(*days.rbegin());
    std::map<std::string, std::pair<int32_t, int32_t>> partitions;  // label -> its first and last stored day
    for (int32_t d : days) {
      auto [it, inserted] = partitions.try_emplace(Label(d, options_.by), d, d);
      if (!inserted) it->second.second = d;
    }
    const size_t date_index = static_cast<size_t>(
        std::find(columns_.fields.begin(), columns_.fields.end(), ds_.date_key) - columns_.fields.begin());
    // One digest per day, read a year at a time whatever the partitions: a range on the date key is a scan
    // of the whole table where the key has no index of its own (the sinks index the primary key), so reads
    // per month would read the table a dozen times a year. A year's rows bound what a server's answer holds.
    std::map<int32_t, RowDigest> a_days, b_days;
    auto digest = [&](std::map<int32_t, RowDigest>& into) {
      return [&, this](std::vector<core::Value>& row) {
        auto day = DayOfValue(row[date_index]);
        into[day.value_or(INT32_MIN)].Add(RowHash(row, columns_));
      };
    };
    std::map<std::string, std::pair<int32_t, int32_t>> reads;  // year -> its first and last stored day
    for (int32_t d : days) {
      auto [it, inserted] = reads.try_emplace(Label(d, PartitionBy::kYear), d, d);
      if (!inserted) it->second.second = d;
    }
    for (const auto& [year, span] : reads) {
      if (auto st = Scan(left_, span.first, span.second, digest(a_days)); !st) return st;
      if (auto st = Scan(right_, span.first, span.second, digest(b_days)); !st) return st;
    }
    auto within = [](const std::map<int32_t, RowDigest>& all, std::pair<int32_t, int32_t> span) {
      return std::map<int32_t, RowDigest>(all.lower_bound(span.first), all.upper_bound(span.second));
    };
    size_t detailed = 0;
    for (const auto& [label, span] : partitions) {
      std::map<int32_t, RowDigest> a = within(a_days, span), b = within(b_days, span);
      PartitionDiff p;
      p.label = label;
      std::set<int32_t> all_days;
      for (const auto& [d, dg] : a) all_days.insert(d);
      for (const auto& [d, dg] : b) all_days.insert(d);
      for (int32_t d : all_days) {
        RowDigest da = a.count(d) ? a[d] : RowDigest{};
        RowDigest db = b.count(d) ? b[d] : RowDigest{};
        p.left_rows += da.rows;
        p.right_rows += db.rows;
        if (da == db) continue;
        DayDiff dd;
        dd.day = d;
        dd.left_rows = da.rows;
        dd.right_rows = db.rows;
        if (detailed < options_.max_days && d != INT32_MIN) {
          ++detailed;
          auto rows = Rows(d, d);
          if (!rows) return Fail(rows.error());
          dd.rows = std::move(*rows);
        }
        p.days.push_back(std::move(dd));
      }
      p.same = p.days.empty();
      r.left_rows += p.left_rows;
      r.right_rows += p.right_rows;
      if (!p.same) ++r.partitions_differ;
      r.days_differ += static_cast<int64_t>(p.days.size());
      r.partitions.push_back(std::move(p));
    }
    return core::Ok();
  }

 private:
  const datasource::Dataset& ds_;
  const ReconcileOptions& options_;
  Side& left_;
  Side& right_;
  CompareColumns columns_;
};

}  // namespace

core::Result<ReconcileReport> Reconcile(App& app, const ReconcileOptions& options) {
  auto datasets = app.Datasets();
  if (!datasets) return Fail(datasets.error());
  auto plans = app.Plans();
  if (!plans) return Fail(plans.error());
  auto storages = app.Storages();
  if (!storages) return Fail(storages.error());
  auto ds = std::find_if(datasets->begin(), datasets->end(), [&](const auto& d) { return d.name == options.dataset; });
  if (ds == datasets->end()) {
    return Fail(ErrorKind::kNotFound,
                "unknown dataset '" + options.dataset + "' (run `datasync apply` after adding it)");
  }
  if (options.left.empty() || options.right.empty() || options.left == options.right) {
    return Fail(ErrorKind::kInvalidInput, "name two different storages to compare (--storages a,b)");
  }
  LocalData local(app.sinks(), *storages, *plans, app.project().root);
  Side left{options.left, nullptr, {}}, right{options.right, nullptr, {}};
  for (Side* side : {&left, &right}) {
    // Each must be a readable storage of the project (ResolveReadStorage says which kinds are).
    auto where = ResolveReadStorage(ds->name, side->name, *plans, *storages, app.sinks());
    if (!where) return Fail(where.error());
    auto reader = local.Reader(side->name);
    if (!reader) return Fail(reader.error());
    side->reader = *reader;
    auto columns = side->reader->Describe(ds->name);
    if (!columns) return Fail(In(columns.error(), "reconcile of " + ds->name + " in storage " + side->name));
    side->columns = std::move(*columns);
    if (!ds->date_key.empty()) {
      auto it = side->columns.find(ds->date_key);
      if (it != side->columns.end()) {
        side->iso_days = it->second.id == core::TypeId::kDate || it->second.id == core::TypeId::kTimestamp;
      }
    }
  }

  ReconcileReport r;
  r.dataset = ds->name;
  r.left = left.name;
  r.right = right.name;
  r.by = options.by;
  CompareColumns columns;
  for (const auto& f : ds->schema->fields()) {
    const bool in_left = left.columns.count(f.name) > 0, in_right = right.columns.count(f.name) > 0;
    if (in_left && in_right) {
      columns.fields.push_back(f.name);
      columns.types.push_back(f.type);
    } else if (in_left) {
      r.only_left_fields.push_back(f.name);
    } else if (in_right) {
      r.only_right_fields.push_back(f.name);
    }
  }
  if (columns.fields.empty()) {
    return Fail(ErrorKind::kConfig, "storages " + left.name + " and " + right.name + " hold no field of dataset " +
                                        ds->name + " in common");
  }
  for (const auto& k : ds->primary_key) {
    auto it = std::find(columns.fields.begin(), columns.fields.end(), k);
    if (it == columns.fields.end()) {
      columns.key.clear();  // a key field one storage lacks: counts and checksums only
      break;
    }
    columns.key.push_back(static_cast<size_t>(it - columns.fields.begin()));
  }
  r.fields = columns.fields;
  const bool by_date = !ds->date_key.empty() &&
                       std::find(columns.fields.begin(), columns.fields.end(), ds->date_key) != columns.fields.end();
  r.date_key = by_date ? ds->date_key : "";
  Reconciler rec(*ds, options, left, right, std::move(columns));
  auto st = by_date ? rec.ByDay(r) : rec.Whole(r);
  if (!st) return Fail(st.error());
  return r;
}

}  // namespace datasync::app
