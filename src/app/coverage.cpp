#include "app/coverage.hpp"

#include <algorithm>

#include "app/local_data.hpp"
#include "core/dates.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"
#include "datasource/provider.hpp"
#include "storage/dataset_reader.hpp"

namespace datasync::app {

namespace {

using core::ErrorKind;

constexpr int32_t kChunkDays = 366;  // calendar reads per year: TradingCalendar implementations cache by range

std::string Quote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

int32_t YearOf(int32_t day) {
  return core::CivilFromDays(day).year;
}

// Each listed key's window from a listing dataset: its list day, and its delist day when it has one.
using ListingWindows = std::map<std::string, std::pair<int32_t, std::optional<int32_t>>>;

core::Result<ListingWindows> ReadListing(App& app, const std::string& listing, const std::string& key,
                                         const std::vector<sync::SyncPlan>& plans,
                                         const std::vector<storage::Storage>& storages) {
  auto where = ResolveReadStorage(listing, "", plans, storages, app.sinks());
  if (!where) return tl::unexpected(where.error());
  LocalData local(app.sinks(), storages, plans, app.project().root);
  auto reader = local.Reader(*where);
  if (!reader) return tl::unexpected(reader.error());
  auto columns = (*reader)->Describe(listing);
  if (!columns) return tl::unexpected(columns.error());
  for (const auto& need : {key, std::string("list_date")}) {
    if (!columns->count(need)) {
      return core::Fail(ErrorKind::kConfig, "--listing " + Quote(listing) + ": storage " + *where + " holds no field " +
                                                Quote(need) +
                                                " (a listing needs the key field, list_date and optionally "
                                                "delist_date, as Tushare's stock_basic)");
    }
  }
  storage::ScanQuery q;
  q.dataset = listing;
  q.columns = {key, "list_date"};
  bool delist = columns->count("delist_date") > 0;
  if (delist) q.columns.push_back("delist_date");
  ListingWindows out;
  auto scanned = (*reader)->ScanRows(q, [&](std::vector<core::Value>& row) {
    auto listed = DayOfValue(row[1]);
    if (row[0].is_null() || !listed) return;  // not listed yet (or no date): never expected
    std::optional<int32_t> delisted = delist ? DayOfValue(row[2]) : std::nullopt;
    out[row[0].ToString()] = {*listed, delisted};
  });
  if (!scanned) {
    core::Error e = scanned.error();
    e.Context("reading the listing " + listing + " in storage " + *where);
    return tl::unexpected(std::move(e));
  }
  return out;
}

// By key: the storage's per-key spans, then the keys whose day count falls short read day by day; each over
// its listing window when a listing holds it, else over its own first to last stored day.
core::Status KeyCoverageOf(storage::DatasetReader& reader, const datasource::Dataset& ds,
                           const CoverageOptions& options, const std::map<int32_t, bool>& days, int32_t from,
                           int32_t to, const ListingWindows* listing, CoverageReport& r) {
  const std::string& key = r.key;
  storage::KeySpanQuery q{ds.name, key, ds.date_key, core::FormatIsoDate(from), core::FormatIsoDate(to)};
  auto spans = reader.KeySpans(q);
  if (!spans) {
    core::Error e = spans.error();
    e.Context("coverage of " + ds.name + " by " + key);
    return tl::unexpected(std::move(e));
  }
  std::vector<int32_t> open;  // the window's open days, for counting a span's expected days by bisection
  for (const auto& [d, is_open] : days) {
    if (is_open && d >= from && d <= to) open.push_back(d);
  }
  auto open_days = [&](int32_t lo, int32_t hi) -> int64_t {
    return std::upper_bound(open.begin(), open.end(), hi) - std::lower_bound(open.begin(), open.end(), lo);
  };
  // One key over [lo, hi]: a candidate when its count is short (or it has rows outside the window it is
  // judged over); the candidates' days are read afterwards, a batch at a time.
  struct Candidate {
    std::string value;
    int32_t lo, hi;
    const storage::KeySpan* span;
    int64_t expected;
  };
  std::vector<Candidate> candidates;
  auto judge = [&](const std::string& value, int32_t lo, int32_t hi, const storage::KeySpan* span) {
    ++r.keys;
    const int64_t expected = open_days(lo, hi);
    if (span) {
      auto first = DayOfValue(span->first), last = DayOfValue(span->last);
      if (first && last && *first >= lo && *last <= hi && span->days >= expected) return;
    } else if (expected == 0) {
      return;
    }
    ++r.keys_with_gaps;
    candidates.push_back({value, lo, hi, span, expected});
  };
  std::map<std::string, const storage::KeySpan*> stored;
  for (const auto& span : *spans) stored[span.key] = &span;
  if (listing) {
    for (const auto& [value, window] : *listing) {
      int32_t lo = std::max(from, window.first);
      int32_t hi = window.second ? std::min(to, *window.second - 1) : to;
      auto it = stored.find(value);
      if (lo > hi) {
        if (it != stored.end()) stored.erase(it);  // rows outside its listing: not judged here
        continue;
      }
      judge(value, lo, hi, it == stored.end() ? nullptr : it->second);
      if (it != stored.end()) stored.erase(it);
    }
  }
  // Keys without a listing: each over its own history, its first to its last stored day.
  for (const auto& [value, span] : stored) {
    auto lo = DayOfValue(span->first), hi = DayOfValue(span->last);
    if (!lo || !hi) continue;
    if (listing) ++r.keys_not_listed;
    judge(value, *lo, *hi, span);
  }
  // The candidates' days, compared with the calendar's, in order: as many at a time as gaps may still be
  // listed (a candidate whose short count came from rows on closed days is no gap); beyond max_keys only
  // counted.
  size_t next = 0;
  while (next < candidates.size()) {
    size_t room = options.max_keys > r.key_gaps.size() ? options.max_keys - r.key_gaps.size() : 0;
    if (room == 0) {
      for (; next < candidates.size(); ++next) {
        const Candidate& c = candidates[next];
        r.key_gaps_truncated = true;
        r.key_days_missing += std::max<int64_t>(c.expected - (c.span ? c.span->days : 0), 0);
      }
      break;
    }
    size_t end = std::min(candidates.size(), next + room);
    storage::KeyDaysQuery dq{ds.name, key, ds.date_key, {}};
    for (size_t k = next; k < end; ++k) {
      const Candidate& c = candidates[k];
      if (c.span) dq.keys.push_back({c.value, core::FormatIsoDate(c.lo), core::FormatIsoDate(c.hi)});
    }
    std::map<std::string, std::vector<core::Value>> found;
    if (!dq.keys.empty()) {
      auto read = reader.KeyDays(dq);
      if (!read) return tl::unexpected(read.error());
      found = std::move(*read);
    }
    for (; next < end; ++next) {
      const Candidate& c = candidates[next];
      std::set<int32_t> present;
      if (auto it = found.find(c.value); it != found.end()) {
        for (const auto& v : it->second) {
          if (auto d = DayOfValue(v)) present.insert(*d);
        }
      }
      CoverageReport one = CompareDays(days, present, c.lo, c.hi);
      if (one.missing == 0) {  // rows on closed days made the count look short
        --r.keys_with_gaps;
        continue;
      }
      r.key_days_missing += one.missing;
      r.key_gaps.push_back(
          {c.value, c.lo, c.hi, one.expected, one.present, one.missing, std::move(one.missing_ranges)});
    }
  }
  return core::Ok();
}

}  // namespace

// A stored date key as a day: dates as they are, timestamps by their UTC day, text as ParseDate reads it.
std::optional<int32_t> DayOfValue(const core::Value& v) {
  if (v.is_null()) return std::nullopt;
  if (v.type.id == core::TypeId::kDate) return std::get<int32_t>(v.v);
  if (v.type.id == core::TypeId::kTimestamp) {
    int64_t micros = std::get<int64_t>(v.v);
    constexpr int64_t kDay = int64_t{86400} * 1000000;
    return static_cast<int32_t>(micros >= 0 ? micros / kDay : (micros - kDay + 1) / kDay);
  }
  if (v.type.id == core::TypeId::kInt32) return core::ParseDate(std::to_string(std::get<int32_t>(v.v)));
  if (v.type.id == core::TypeId::kInt64) return core::ParseDate(std::to_string(std::get<int64_t>(v.v)));
  return core::ParseDate(v.ToString());
}

CoverageReport CompareDays(const std::map<int32_t, bool>& calendar_days, const std::set<int32_t>& present, int32_t from,
                           int32_t to) {
  CoverageReport r;
  r.from = from;
  r.to = to;
  if (to < from) return r;
  // The calendar judges only the span it holds; beyond it days are unknown, never missing.
  std::optional<int32_t> held_first, held_last;
  if (!calendar_days.empty()) {
    held_first = calendar_days.begin()->first;
    held_last = calendar_days.rbegin()->first;
  }
  std::map<int32_t, YearCoverage> years;
  std::optional<DayRange> gap;
  r.day_marks.reserve(static_cast<size_t>(to - from + 1));
  for (int32_t d = from; d <= to; ++d) {
    if (!held_first || d < *held_first || d > *held_last) {
      ++r.unknown;
      r.day_marks += kMarkUnknown;
      continue;
    }
    auto it = calendar_days.find(d);
    const bool open = it != calendar_days.end() && it->second;
    const bool has = present.count(d) > 0;
    r.day_marks += !open ? (has ? kMarkRowsOnClosedDay : kMarkClosed) : (has ? kMarkPresent : kMarkMissing);
    if (!open) {
      if (has) r.on_closed_days.push_back(d);
      continue;
    }
    YearCoverage& y = years[YearOf(d)];
    y.year = YearOf(d);
    ++y.expected;
    ++r.expected;
    if (has) {
      ++y.present;
      ++r.present;
      if (gap) {
        r.missing_ranges.push_back(*gap);
        gap.reset();
      }
      continue;
    }
    ++y.missing;
    ++r.missing;
    if (!gap) gap = DayRange{d, d, 0};
    gap->last = d;
    ++gap->days;
  }
  if (gap) r.missing_ranges.push_back(*gap);
  for (auto& [year, y] : years) r.years.push_back(y);
  return r;
}

std::string DefaultCoverageKey(const datasource::Dataset& ds) {
  for (const auto& k : ds.primary_key) {
    if (k != ds.date_key) return k;
  }
  return "";
}

core::Result<std::string> CalendarDataset(App& app, const std::string& requested) {
  auto datasets = app.Datasets();
  if (!datasets) return tl::unexpected(datasets.error());
  auto sources = app.Sources();
  if (!sources) return tl::unexpected(sources.error());
  std::vector<std::string> calendars;
  for (const auto& d : *datasets) {
    const datasource::ProviderInfo* provider = nullptr;
    for (const auto& s : *sources) {
      if (s.name == d.source) provider = app.providers().Find(s.provider);
    }
    if (datasource::CalendarMappingOf(d, provider)) calendars.push_back(d.name);
  }
  if (requested.empty()) {
    if (calendars.size() != 1) {
      return core::Fail(
          ErrorKind::kConfig,
          calendars.empty()
              ? std::string("no trading calendar dataset in the project: sync one (e.g. trade_cal) or "
                            "declare a dataset's calendar: {date, open, exchange}")
              : "several trading calendars (" + core::Join(calendars, ", ") + "): name one with --calendar");
    }
    return calendars.front();
  }
  if (std::find(calendars.begin(), calendars.end(), requested) == calendars.end()) {
    return core::Fail(ErrorKind::kConfig, Quote(requested) + " is not a trading calendar dataset (calendars: " +
                                              (calendars.empty() ? std::string("none") : core::Join(calendars, ", ")) +
                                              ")");
  }
  return requested;
}

core::Result<CoverageReport> DateCoverage(App& app, const CoverageOptions& options) {
  auto datasets = app.Datasets();
  if (!datasets) return tl::unexpected(datasets.error());
  auto sources = app.Sources();
  if (!sources) return tl::unexpected(sources.error());
  auto plans = app.Plans();
  if (!plans) return tl::unexpected(plans.error());
  auto storages = app.Storages();
  if (!storages) return tl::unexpected(storages.error());

  const datasource::Dataset* ds = nullptr;
  std::string zone = "UTC";
  for (const auto& d : *datasets) {
    if (d.name == options.dataset) ds = &d;
  }
  if (!ds) {
    return core::Fail(ErrorKind::kNotFound,
                      "unknown dataset " + Quote(options.dataset) + " (run `datasync apply` after adding it)");
  }
  for (const auto& s : *sources) {
    if (s.name == ds->source && !s.timezone.empty()) zone = s.timezone;
  }
  if (ds->date_key.empty()) {
    return core::Fail(ErrorKind::kConfig, "dataset " + Quote(ds->name) +
                                              " has no date_key: coverage by date needs the field that holds each "
                                              "row's day (set datasets." +
                                              ds->name + ".date_key)");
  }
  auto calendar_name = CalendarDataset(app, options.calendar);
  if (!calendar_name) return tl::unexpected(calendar_name.error());
  const std::string calendar = *calendar_name;

  auto where = ResolveReadStorage(ds->name, options.storage, *plans, *storages, app.sinks());
  if (!where) return tl::unexpected(where.error());
  LocalData local(app.sinks(), *storages, *plans, app.project().root);
  auto reader = local.Reader(*where);
  if (!reader) return tl::unexpected(reader.error());

  // What the storage holds, counted by the storage (one DISTINCT over the date key).
  storage::ReadQuery q;
  q.dataset = ds->name;
  q.column = ds->date_key;
  if (options.from) q.min = core::FormatIsoDate(*options.from);
  if (options.to) q.max = core::FormatIsoDate(*options.to);
  auto values = (*reader)->DistinctValues(q);
  if (!values) {
    core::Error e = values.error();
    e.Context("coverage of " + ds->name + " in storage " + *where);
    return tl::unexpected(std::move(e));
  }
  std::set<int32_t> present;
  for (const auto& v : *values) {
    if (auto d = DayOfValue(v)) present.insert(*d);
  }

  auto tz = core::TimeZone::Load(zone);
  if (!tz) return tl::unexpected(tz.error());
  const int32_t today = tz->LocalDay(app.clock().Now());
  std::optional<int32_t> from = options.from;
  if (!from) {
    if (present.empty()) {
      return core::Fail(ErrorKind::kInvalidInput, "storage " + *where + " holds no rows of " + ds->name +
                                                      " yet: give --from to see what is missing");
    }
    from = *present.begin();
  }
  int32_t to = options.to.value_or(today);
  std::map<int32_t, bool> days;
  for (int32_t first = *from; first <= to; first += kChunkDays) {
    int32_t last = std::min(to, first + kChunkDays - 1);
    auto chunk = app.calendar().Days(calendar, options.exchange, first, last);
    if (!chunk) {
      core::Error e = chunk.error();
      e.Context("trading calendar " + calendar);
      return tl::unexpected(std::move(e));
    }
    days.insert(chunk->begin(), chunk->end());
  }
  if (days.empty()) {
    return core::Fail(ErrorKind::kConfig, "the trading calendar " + calendar + " holds no day of exchange " +
                                              Quote(options.exchange) + " between " + core::FormatIsoDate(*from) +
                                              " and " + core::FormatIsoDate(to) +
                                              ": sync it for those years, or name the exchange with --exchange");
  }
  // Without --to, coverage ends at the last day the calendar knows (up to today), not at an unknown tail.
  if (!options.to) to = std::min(to, days.rbegin()->first);
  CoverageReport r = CompareDays(days, present, *from, to);
  if (options.by_key) {
    std::string key = options.key.empty() ? DefaultCoverageKey(*ds) : options.key;
    if (key.empty()) {
      return core::Fail(ErrorKind::kConfig, "dataset " + Quote(ds->name) +
                                                " has no key beside its date key: name the key field with --key");
    }
    if (key == ds->date_key || !ds->schema || !ds->schema->IndexOf(key)) {
      return core::Fail(ErrorKind::kConfig, "--key " + Quote(key) + " is not a field of " + ds->name +
                                                " other than its date key " + Quote(ds->date_key));
    }
    r.key = key;
    std::optional<ListingWindows> listing;
    if (!options.listing.empty()) {
      auto read = ReadListing(app, options.listing, key, *plans, *storages);
      if (!read) return tl::unexpected(read.error());
      listing = std::move(*read);
      r.listing = options.listing;
    }
    auto st = KeyCoverageOf(**reader, *ds, options, days, *from, to, listing ? &*listing : nullptr, r);
    if (!st) return tl::unexpected(st.error());
  } else if (!options.listing.empty()) {
    return core::Fail(ErrorKind::kInvalidInput, "--listing goes with --by key");
  }
  r.dataset = ds->name;
  r.storage = *where;
  r.calendar = calendar;
  r.exchange = options.exchange;
  r.date_key = ds->date_key;
  return r;
}

}  // namespace datasync::app
