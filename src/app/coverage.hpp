// Coverage (`datasync coverage DATASET`): which trading days a storage holds rows for, against the days it
// should hold, i.e. the open days of a trading calendar dataset for an exchange. The silent data bug of a
// quant, a day missing from ten years of bars, shows as a range here. By key, each key's own history (its
// first to last stored day) is checked the same way, so a code that misses a day inside its life shows too
// (a key that stopped early or started late is not judged: that needs the listing dates). Per key the storage
// groups (DatasetReader::KeySpans: first, last and count of days per key in one GROUP BY), and only the keys
// whose count falls short are read day by day.
//
// The storage computes what it holds (DatasetReader::DistinctValues on the dataset's date key: SELECT
// DISTINCT in SQLite), so a long history answers without reading its rows; the calendar comes from
// App::calendar() (the calendar dataset's own storage). Days the calendar does not hold are counted as
// unknown, never as missing; rows stored on a day the calendar says is closed are listed.
//
// Functions take the App and run on the caller's thread; CompareDays is pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "core/error.hpp"

namespace datasync::app {

struct CoverageOptions {
  std::string dataset;
  std::string storage;           // default: the first readable storage of the plans that sync the dataset
  std::optional<int32_t> from;   // days since the epoch; default: the first day stored
  std::optional<int32_t> to;     // default: the last day the calendar holds up to today
  std::string calendar;          // calendar dataset; default: the only one the project has
  std::string exchange = "SSE";  // the calendar's exchange value
  // By key: each key's own history (its first to last stored day) checked for missing open days.
  bool by_key = false;
  std::string key;       // default: the first primary-key field that is not the date key
  size_t max_keys = 50;  // keys listed with their ranges; beyond, only counted
  // With by_key: a dataset holding each key's listing (the key field, `list_date`, optionally `delist_date`;
  // Tushare's stock_basic). A listed key is then expected on every open day from its listing to the day
  // before its delisting, so a key missing entirely or at the end of the window counts too; keys it does
  // not list are judged by their own history.
  std::string listing;
};

inline constexpr char kMarkPresent = 'p';          // an open day with rows
inline constexpr char kMarkMissing = 'm';          // an open day without rows
inline constexpr char kMarkClosed = '-';           // a closed day without rows
inline constexpr char kMarkRowsOnClosedDay = 'x';  // a closed day with rows
inline constexpr char kMarkUnknown = '?';          // a day the calendar does not hold

struct DayRange {
  int32_t first = 0;
  int32_t last = 0;
  int64_t days = 0;  // trading days in the range (weekends and holidays between are not counted)
};

struct YearCoverage {
  int32_t year = 0;
  int64_t expected = 0, present = 0, missing = 0;
};

struct KeyCoverage {
  std::string key;
  int32_t first = 0, last = 0;  // the days judged: its first and last stored day, or its listing in the window
  int64_t expected = 0, present = 0, missing = 0;
  std::vector<DayRange> missing_ranges;
};

struct CoverageReport {
  std::string dataset, storage, calendar, exchange, date_key;
  int32_t from = 0, to = 0;
  int64_t expected = 0;  // open days in [from, to]
  int64_t present = 0;   // open days with rows
  int64_t missing = 0;
  std::vector<DayRange> missing_ranges;  // consecutive missing open days, oldest first
  std::vector<YearCoverage> years;
  std::vector<int32_t> on_closed_days;  // days with rows that the calendar says are closed
  int64_t unknown = 0;                  // days in [from, to] the calendar does not hold (not judged)
  // One mark per calendar day from `from` to `to` (the web app's heat strip): kMarkPresent, kMarkMissing,
  // kMarkClosed, kMarkRowsOnClosedDay or kMarkUnknown.
  std::string day_marks;
  // By key (CoverageOptions::by_key): keys, keys with a gap inside their own history, the (key, day) pairs
  // missing, and the first max_keys keys with gaps in detail.
  std::string key;
  std::string listing;          // the listing dataset that judged the keys, if any
  int64_t keys_not_listed = 0;  // keys with rows that the listing does not hold (judged by their own history)
  int64_t keys = 0, keys_with_gaps = 0, key_days_missing = 0;
  std::vector<KeyCoverage> key_gaps;
  bool key_gaps_truncated = false;  // more keys had gaps than are listed
  bool complete() const { return missing == 0 && key_days_missing == 0; }
};

// `calendar_days`: day -> open, for the days the calendar holds; `present`: days with rows.
CoverageReport CompareDays(const std::map<int32_t, bool>& calendar_days, const std::set<int32_t>& present, int32_t from,
                           int32_t to);

core::Result<CoverageReport> DateCoverage(App& app, const CoverageOptions& options);

// The trading calendar dataset to judge days by: `requested` when it is one, else the project's only one
// (kConfig saying what to do when there is none, or several).
core::Result<std::string> CalendarDataset(App& app, const std::string& requested);

// A stored date key as a day: dates as they are, timestamps by their UTC day, numbers and text as
// core::ParseDate reads them (20240102, "2024-01-02"); nullopt when it is no day.
std::optional<int32_t> DayOfValue(const core::Value& v);

// The key coverage by key checks when none is named: the first primary-key field other than the date key
// ("" when there is none).
std::string DefaultCoverageKey(const datasource::Dataset& ds);

}  // namespace datasync::app
