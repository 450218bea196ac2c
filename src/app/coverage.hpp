// Coverage by date (`datasync coverage DATASET`): which trading days a storage holds rows for, against the
// days it should hold, i.e. the open days of a trading calendar dataset for an exchange. The silent data bug
// of a quant, a day missing from ten years of bars, shows as a range here (issue "Trust the data", part 1:
// by date; by (key, day) comes later).
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
};

struct DayRange {
  int32_t first = 0;
  int32_t last = 0;
  int64_t days = 0;  // trading days in the range (weekends and holidays between are not counted)
};

struct YearCoverage {
  int32_t year = 0;
  int64_t expected = 0, present = 0, missing = 0;
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
  bool complete() const { return missing == 0; }
};

// `calendar_days`: day -> open, for the days the calendar holds; `present`: days with rows.
CoverageReport CompareDays(const std::map<int32_t, bool>& calendar_days, const std::set<int32_t>& present, int32_t from,
                           int32_t to);

core::Result<CoverageReport> DateCoverage(App& app, const CoverageOptions& options);

}  // namespace datasync::app
