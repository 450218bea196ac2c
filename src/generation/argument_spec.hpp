// ArgumentSpec and Template: how a plan's request arguments are generated (ARCHITECTURE §9). Plain data.
//
// A spec is a list of parameter sources; the plan's argument sets are the cartesian product of them in
// declaration order (the last one varies fastest). A source either yields the values of one parameter
// (constant, list, date range, trading days of a calendar dataset, values of a column of a local dataset,
// dates since the plan's checkpoint, today/now), or several parameters at once (date windows yield a
// start/end pair; `product` and `zip` groups combine named children), or derives a parameter from the
// other values of the same argument set (`format`, a mustache template). Names that start with `_` are
// variables: they take part in the product and in formats but are not sent to the vendor.
// A Template is a named, reusable list of sources; a plan that names one gets the template's sources
// followed by its own (a plan's source replaces a template's source of the same name).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace datasync::generation {

struct ParamSource {
  enum class Kind : uint8_t {
    kConstant,         // values[0]
    kList,             // values
    kDateRange,        // start..end by step, formatted
    kTradingDays,      // open days of a calendar dataset (dataset, column, where) in start..end
    kColumn,           // distinct values of `column` of a local `dataset`, rows matching `where`
    kWindows,          // [start, end] pairs covering start..end: window_days long, or window_months
    kSinceCheckpoint,  // dates (or trading days of `dataset`) after the plan's checkpoint, minus a lookback
    kNow,              // today/now in the source's time zone, plus offset units
    kFormat,           // `text` (mustache) rendered with the other values of the argument set
    kProduct,          // cartesian product of children
    kZip,              // children side by side, as long as the shortest
  };

  std::string name;  // the parameter; for kWindows, kProduct and kZip only a label
  Kind kind = Kind::kConstant;
  std::vector<std::string> values;  // kConstant, kList

  // Dates: YYYYMMDD, YYYY-MM-DD, today, today-N, today+N (the source's time zone). kSinceCheckpoint
  // takes `initial` (used before anything is synced) and `end` instead of `start`.
  std::string start;
  std::string end;
  std::string step = "day";         // day, week, month, quarter, year
  std::string format = "YYYYMMDD";  // tokens YYYY MM DD hh mm ss, separators - / . : _ T and space
  bool weekdays_only = false;       // kDateRange with step day: skip Saturdays and Sundays

  // Local data (kTradingDays, kColumn; kSinceCheckpoint counts trading days when `dataset` is set).
  std::string dataset;
  std::string column;
  std::string storage;                                      // empty: the storage of the plan that syncs it
  std::vector<std::pair<std::string, std::string>> where;  // column = value filters
  std::string pick = "last";  // kTradingDays with a step above day: the first or last open day of each period

  // kWindows: exactly one of window_days / window_months is positive. `align` epoch: day windows start on
  // multiples of window_days counted from 1970-01-01 (stable whatever the start); start: from `start`.
  // Month windows always start on the first of a month that is a multiple of window_months from January.
  int64_t window_days = 0;
  int64_t window_months = 0;
  std::string align = "epoch";
  std::vector<std::string> columns = {"start_date", "end_date"};  // kWindows: the two parameter names

  // kSinceCheckpoint: how many periods (steps, or trading days) before the checkpoint to fetch again.
  int64_t lookback = 0;
  std::string initial;

  // kNow: offset in `unit` (day, hour, minute, second).
  int64_t offset = 0;
  std::string unit = "day";

  std::string text;                  // kFormat
  std::vector<ParamSource> children;  // kProduct, kZip

  friend bool operator==(const ParamSource&, const ParamSource&) = default;
};

struct ArgumentSpec {
  std::string template_name;        // a Template whose sources come first; empty: none
  std::vector<ParamSource> params;  // the plan's own sources

  friend bool operator==(const ArgumentSpec&, const ArgumentSpec&) = default;
};

struct Template {
  std::string name;
  std::string description;
  std::vector<ParamSource> params;

  friend bool operator==(const Template&, const Template&) = default;
};

// The sources a plan generates from: the template's (if any) with the plan's own replacing or following them.
std::vector<ParamSource> ComposeSources(const Template* tmpl, const std::vector<ParamSource>& own);

// What a list of sources reads and sends, for validation and plan dependencies.
struct SourceUse {
  std::vector<std::string> sent;      // parameter names sent to the vendor, in order (no `_` variables)
  std::vector<std::string> defined;   // every name a source defines, variables included, in order
  std::vector<std::pair<std::string, std::string>> reads;  // (dataset, storage) of local-data sources
  bool uses_checkpoint = false;
};
SourceUse InspectSources(const std::vector<ParamSource>& sources);

std::string_view KindName(ParamSource::Kind kind);  // "constant", "list", "dates", "trading_days", ...

}  // namespace datasync::generation
