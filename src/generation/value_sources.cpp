#include "generation/value_sources.hpp"

#include <algorithm>

#include "core/dates.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"
#include "generation/date_format.hpp"
#include "generation/text_template.hpp"

namespace datasync::generation {

using core::ErrorKind;
using core::Fail;
using Kind = ParamSource::Kind;

namespace {

// Bounds the work a typo can cause ("start: 0001..."): no source spans more than this many days.
constexpr int32_t kMaxSpanDays = 200 * 366;
constexpr int64_t kMicrosPerDay = 86'400'000'000LL;

std::string Where(const ParamSource& s, const std::string& msg) { return "param '" + s.name + "': " + msg; }

core::Error Wrap(const ParamSource& s, const std::string& what, const core::Error& e) {
  return core::Error(e.kind(), Where(s, what + e.message()));
}

int64_t MonthsPerStep(const std::string& step) {
  if (step == "month") return 1;
  if (step == "quarter") return 3;
  if (step == "year") return 12;
  return 0;
}

int32_t AddMonths(int32_t days, int64_t months, uint32_t anchor_day) {
  core::CivilDate c = core::CivilFromDays(days);
  int64_t total = static_cast<int64_t>(c.year) * 12 + (c.month - 1) + months;
  int64_t year = total >= 0 ? total / 12 : (total - 11) / 12;
  auto month = static_cast<uint32_t>(total - year * 12 + 1);
  uint32_t day = std::min(anchor_day, core::DaysInMonth(static_cast<int32_t>(year), month));
  return core::DaysFromCivil({static_cast<int32_t>(year), month, day});
}

core::Result<std::pair<int32_t, int32_t>> Bounds(const ParamSource& s, const std::string& start,
                                                 const GenerationContext& ctx) {
  auto first = ResolveDate(start, ctx);
  if (!first) return Fail(Wrap(s, "start: ", first.error()));
  auto last = ResolveDate(s.end.empty() ? "today" : s.end, ctx);
  if (!last) return Fail(Wrap(s, "end: ", last.error()));
  if (*last - *first > kMaxSpanDays) {
    return Fail(ErrorKind::kConfig, Where(s, "the range spans more than 200 years; check start and end"));
  }
  return std::make_pair(*first, *last);
}

core::Status CheckFormat(const ParamSource& s) {
  if (auto st = CheckDateFormat(s.format); !st) return Fail(Wrap(s, "", st.error()));
  return core::Ok();
}

ValueTable OneColumn(const ParamSource& s, std::vector<std::string> values) {
  ValueTable t;
  t.columns = {s.name};
  t.cells = std::move(values);
  return t;
}

std::vector<std::string> FormatDays(const std::vector<int32_t>& days, const std::string& format) {
  std::vector<std::string> out;
  out.reserve(days.size());
  for (int32_t d : days) out.push_back(FormatDay(d, format));
  return out;
}

// Dates from `base` stepping by `step` (k = first_k, first_k + 1, ...) while <= last.
std::vector<int32_t> Steps(int32_t base, int64_t first_k, int32_t last, const std::string& step, bool weekdays_only) {
  std::vector<int32_t> out;
  uint32_t anchor = core::CivilFromDays(base).day;
  for (int64_t k = first_k;; ++k) {
    int32_t d = StepDate(base, k, step, anchor);
    if (d > last) break;
    if (!(weekdays_only && (core::Weekday(d) == 0 || core::Weekday(d) == 6))) out.push_back(d);
  }
  return out;
}

core::Result<std::shared_ptr<storage::DatasetReader>> Reader(const ParamSource& s, const GenerationContext& ctx) {
  if (!ctx.open_reader) {
    return Fail(ErrorKind::kConfig, Where(s, "reading dataset '" + s.dataset + "' needs local storage access"));
  }
  auto reader = ctx.open_reader(s.dataset, s.storage);
  if (!reader) return Fail(Wrap(s, "", reader.error()));
  return reader;
}

core::Result<int32_t> AsDay(const ParamSource& s, const core::Value& v) {
  if (v.type.id == core::TypeId::kDate) return std::get<int32_t>(v.v);
  if (auto* text = std::get_if<std::string>(&v.v)) {
    if (auto d = core::ParseDate(*text)) return *d;
  }
  return Fail(ErrorKind::kConfig, Where(s, "column '" + s.column + "' of dataset '" + s.dataset +
                                               "' holds '" + v.ToString() + "', which is not a date"));
}

// The distinct values of the source's column of its dataset, rows matching its filters, within the bounds.
core::Result<std::vector<core::Value>> ReadDistinct(const ParamSource& s, const GenerationContext& ctx,
                                                    std::optional<int32_t> min = std::nullopt,
                                                    std::optional<int32_t> max = std::nullopt) {
  auto reader = Reader(s, ctx);
  if (!reader) return Fail(reader.error());
  storage::ReadQuery q;
  q.dataset = s.dataset;
  q.column = s.column;
  q.equals = s.where;
  if (min) q.min = core::FormatIsoDate(*min);
  if (max) q.max = core::FormatIsoDate(*max);
  auto values = (*reader)->DistinctValues(q);
  if (!values) return Fail(Wrap(s, "", values.error()));
  return values;
}

// Open days of the calendar `s.dataset` within [min, max] (either may be absent), ascending.
core::Result<std::vector<int32_t>> OpenDays(const ParamSource& s, const GenerationContext& ctx,
                                            std::optional<int32_t> min, std::optional<int32_t> max) {
  auto values = ReadDistinct(s, ctx, min, max);
  if (!values) return Fail(values.error());
  std::vector<int32_t> days;
  days.reserve(values->size());
  for (const auto& v : *values) {
    auto d = AsDay(s, v);
    if (!d) return Fail(d.error());
    // The reader compares stored text; keep the bounds exact whatever the stored spelling.
    if ((min && *d < *min) || (max && *d > *max)) continue;
    days.push_back(*d);
  }
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  return days;
}

// The period a day falls in, for picking one open day per week/month/quarter/year.
int64_t PeriodOf(int32_t day, const std::string& step) {
  if (step == "week") {  // Monday-based weeks; 1970-01-01 was a Thursday
    int64_t x = static_cast<int64_t>(day) + 3;
    return x >= 0 ? x / 7 : -((-x + 6) / 7);
  }
  core::CivilDate c = core::CivilFromDays(day);
  int64_t months = static_cast<int64_t>(c.year) * 12 + (c.month - 1);
  return months / MonthsPerStep(step);
}

core::Result<ValueTable> DateRange(const ParamSource& s, const GenerationContext& ctx) {
  auto b = Bounds(s, s.start, ctx);
  if (!b) return Fail(b.error());
  if (s.weekdays_only && s.step != "day") return Fail(ErrorKind::kConfig, Where(s, "weekdays_only needs step: day"));
  return OneColumn(s, FormatDays(Steps(b->first, 0, b->second, s.step, s.weekdays_only), s.format));
}

core::Result<ValueTable> TradingDays(const ParamSource& s, const GenerationContext& ctx) {
  auto b = Bounds(s, s.start, ctx);
  if (!b) return Fail(b.error());
  auto days = OpenDays(s, ctx, b->first, b->second);
  if (!days) return Fail(days.error());
  if (s.step != "day") {
    if (s.pick != "first" && s.pick != "last") {
      return Fail(ErrorKind::kConfig, Where(s, "pick '" + s.pick + "' is not allowed (allowed: first, last)"));
    }
    std::vector<int32_t> picked;
    for (size_t i = 0; i < days->size(); ++i) {
      int64_t p = PeriodOf((*days)[i], s.step);
      bool first_of_period = i == 0 || PeriodOf((*days)[i - 1], s.step) != p;
      bool last_of_period = i + 1 == days->size() || PeriodOf((*days)[i + 1], s.step) != p;
      if (s.pick == "first" ? first_of_period : last_of_period) picked.push_back((*days)[i]);
    }
    *days = std::move(picked);
  }
  return OneColumn(s, FormatDays(*days, s.format));
}

core::Result<ValueTable> ColumnValues(const ParamSource& s, const GenerationContext& ctx) {
  auto values = ReadDistinct(s, ctx);
  if (!values) return Fail(values.error());
  std::vector<std::string> out;
  out.reserve(values->size());
  for (const auto& v : *values) {
    out.push_back(v.type.id == core::TypeId::kDate ? FormatDay(std::get<int32_t>(v.v), s.format) : v.ToString());
  }
  return OneColumn(s, std::move(out));
}

core::Result<ValueTable> Windows(const ParamSource& s, const GenerationContext& ctx) {
  if (s.columns.size() != 2 || s.columns[0].empty() || s.columns[1].empty() || s.columns[0] == s.columns[1]) {
    return Fail(ErrorKind::kConfig, Where(s, "windows need two different parameter names (e.g. start_date, end_date)"));
  }
  if ((s.window_days > 0) == (s.window_months > 0)) {
    return Fail(ErrorKind::kConfig, Where(s, "windows need exactly one of days or months (a positive number)"));
  }
  if (s.window_days > kMaxSpanDays || s.window_months > 12 * 200) {
    return Fail(ErrorKind::kConfig, Where(s, "the window is longer than 200 years"));
  }
  if (s.align != "epoch" && s.align != "start") {
    return Fail(ErrorKind::kConfig, Where(s, "align '" + s.align + "' is not allowed (allowed: epoch, start)"));
  }
  auto b = Bounds(s, s.start, ctx);
  if (!b) return Fail(b.error());
  // Not a structured binding: lambdas cannot capture those before clang 16 (the fuzz build's clang is 14).
  const int32_t first = b->first, last = b->second;
  ValueTable t;
  t.columns = s.columns;
  auto emit = [&](int32_t from, int32_t to) {
    t.cells.push_back(FormatDay(std::max(from, first), s.format));
    t.cells.push_back(FormatDay(std::min(to, last), s.format));
  };
  if (first > last) return t;
  if (s.window_days > 0) {
    auto n = static_cast<int32_t>(s.window_days);
    int32_t w = first;
    if (s.align == "epoch") w = first - ((first % n) + n) % n;
    for (; w <= last; w += n) emit(w, w + n - 1);
  } else {
    core::CivilDate c = core::CivilFromDays(first);
    int64_t month_index = static_cast<int64_t>(c.year) * 12 + (c.month - 1);
    month_index -= ((month_index % s.window_months) + s.window_months) % s.window_months;
    for (;;) {
      int64_t y = month_index >= 0 ? month_index / 12 : (month_index - 11) / 12;
      auto m = static_cast<uint32_t>(month_index - y * 12 + 1);
      int32_t from = core::DaysFromCivil({static_cast<int32_t>(y), m, 1});
      if (from > last) break;
      int32_t to = AddMonths(from, s.window_months, 1) - 1;
      emit(from, to);
      month_index += s.window_months;
    }
  }
  return t;
}

core::Result<ValueTable> SinceCheckpoint(const ParamSource& s, const GenerationContext& ctx) {
  if (!ctx.checkpoint) {
    return Fail(ErrorKind::kConfig, Where(s, "since_checkpoint needs the plan's checkpoint (run it as part of a plan)"));
  }
  if (s.lookback < 0 || s.lookback > 100'000) {
    return Fail(ErrorKind::kConfig, Where(s, "lookback must be between 0 and 100000"));
  }
  auto cp = ctx.checkpoint();
  if (!cp) return Fail(Wrap(s, "checkpoint: ", cp.error()));
  auto last = ResolveDate(s.end.empty() ? "today" : s.end, ctx);
  if (!last) return Fail(Wrap(s, "end: ", last.error()));
  std::optional<int32_t> initial;
  if (!cp->has_value()) {
    if (s.initial.empty()) {
      return Fail(ErrorKind::kConfig, Where(s, "nothing is synced yet and since_checkpoint has no 'initial' date"));
    }
    auto d = ResolveDate(s.initial, ctx);
    if (!d) return Fail(Wrap(s, "initial: ", d.error()));
    initial = *d;
  }
  if (!s.dataset.empty()) {
    // Trading-day periods: the open days after the checkpoint, plus `lookback` open days up to it.
    auto days = OpenDays(s, ctx, std::nullopt, *last);
    if (!days) return Fail(days.error());
    size_t from = 0;
    if (initial) {
      from = std::lower_bound(days->begin(), days->end(), *initial) - days->begin();
    } else {
      from = std::upper_bound(days->begin(), days->end(), **cp) - days->begin();
      from -= std::min<size_t>(from, static_cast<size_t>(s.lookback));
    }
    return OneColumn(s, FormatDays(std::vector<int32_t>(days->begin() + static_cast<ptrdiff_t>(from), days->end()),
                                   s.format));
  }
  if (initial) {
    if (*last - *initial > kMaxSpanDays) {
      return Fail(ErrorKind::kConfig, Where(s, "the range spans more than 200 years; check initial and end"));
    }
    return OneColumn(s, FormatDays(Steps(*initial, 0, *last, s.step, false), s.format));
  }
  if (*last - **cp > kMaxSpanDays) {
    return Fail(ErrorKind::kConfig, Where(s, "the range spans more than 200 years; check the checkpoint and end"));
  }
  return OneColumn(s, FormatDays(Steps(**cp, 1 - s.lookback, *last, s.step, false), s.format));
}

core::Result<ValueTable> Now(const ParamSource& s, const GenerationContext& ctx) {
  if (ctx.clock == nullptr) return Fail(ErrorKind::kInternal, Where(s, "no clock to tell the time"));
  int64_t unit = 0;
  if (s.unit == "day") unit = kMicrosPerDay;
  else if (s.unit == "hour") unit = 3'600'000'000LL;
  else if (s.unit == "minute") unit = 60'000'000LL;
  else if (s.unit == "second") unit = 1'000'000LL;
  else return Fail(ErrorKind::kConfig, Where(s, "unit '" + s.unit + "' is not allowed (allowed: day, hour, minute, second)"));
  if (s.offset < -1'000'000 || s.offset > 1'000'000) {
    return Fail(ErrorKind::kConfig, Where(s, "offset must be between -1000000 and 1000000"));
  }
  int64_t utc = core::ToEpochMicros(ctx.clock->Now());
  int64_t local = ctx.tz ? ctx.tz->UtcToLocal(utc) : utc;
  return OneColumn(s, {FormatWallTime(local + s.offset * unit, s.format)});
}

}  // namespace

core::Status CheckStep(const std::string& step) {
  if (step == "day" || step == "week" || MonthsPerStep(step) > 0) return core::Ok();
  return Fail(ErrorKind::kConfig, "step '" + step + "' is not allowed (allowed: day, week, month, quarter, year)");
}

int32_t StepDate(int32_t base, int64_t k, const std::string& step, uint32_t anchor_day) {
  if (step == "day") return static_cast<int32_t>(base + k);
  if (step == "week") return static_cast<int32_t>(base + 7 * k);
  return AddMonths(base, k * MonthsPerStep(step), anchor_day);
}

core::Result<ValueTable> ExpandSource(const ParamSource& s, const GenerationContext& ctx) {
  switch (s.kind) {
    case Kind::kConstant:
    case Kind::kList: return OneColumn(s, s.values);
    case Kind::kFormat:
    case Kind::kProduct:
    case Kind::kZip: return Fail(ErrorKind::kInternal, Where(s, "not a value source"));
    default: break;
  }
  if (auto st = CheckFormat(s); !st) return Fail(st.error());
  bool dated = s.kind == Kind::kDateRange || s.kind == Kind::kTradingDays || s.kind == Kind::kSinceCheckpoint;
  if (dated) {
    if (auto st = CheckStep(s.step); !st) return Fail(Wrap(s, "", st.error()));
  }
  switch (s.kind) {
    case Kind::kDateRange: return DateRange(s, ctx);
    case Kind::kTradingDays: return TradingDays(s, ctx);
    case Kind::kColumn: return ColumnValues(s, ctx);
    case Kind::kWindows: return Windows(s, ctx);
    case Kind::kSinceCheckpoint: return SinceCheckpoint(s, ctx);
    case Kind::kNow: return Now(s, ctx);
    default: return Fail(ErrorKind::kInternal, Where(s, "unknown source kind"));
  }
}

core::Status CheckSource(const ParamSource& s) {
  core::ManualClock epoch{core::TimePoint{}};
  GenerationContext ctx;
  ctx.clock = &epoch;
  auto date = [&](const char* what, const std::string& text) -> core::Status {
    if (text.empty()) return core::Ok();
    auto d = ResolveDate(text, ctx);
    if (!d) return Fail(Wrap(s, std::string(what) + ": ", d.error()));
    return core::Ok();
  };
  auto need = [&](const std::string& value, const char* what) -> core::Status {
    if (value.empty()) return Fail(ErrorKind::kConfig, Where(s, std::string("needs ") + what));
    return core::Ok();
  };
  switch (s.kind) {
    case Kind::kConstant:
    case Kind::kList: return core::Ok();
    case Kind::kFormat: {
      auto t = TextTemplate::Parse(s.text, Escape::kNone);
      if (!t) return Fail(Wrap(s, "", t.error()));
      return core::Ok();
    }
    case Kind::kProduct:
    case Kind::kZip:
      if (s.children.empty()) return Fail(ErrorKind::kConfig, Where(s, "the group is empty"));
      for (const auto& c : s.children) {
        if (c.kind == Kind::kFormat) {
          return Fail(ErrorKind::kConfig, "param '" + c.name + "': format is allowed only at the top level, not in a group");
        }
        if (auto st = CheckSource(c); !st) return st;
      }
      return core::Ok();
    case Kind::kDateRange:
    case Kind::kWindows:
    case Kind::kNow: {
      auto t = ExpandSource(s, ctx);
      if (!t) return Fail(t.error());
      return core::Ok();
    }
    default: break;
  }
  if (auto st = CheckFormat(s); !st) return st;
  if (auto st = CheckStep(s.step); !st) return Fail(Wrap(s, "", st.error()));
  if (auto st = date("end", s.end); !st) return st;
  if (s.kind == Kind::kSinceCheckpoint) {
    if (s.lookback < 0 || s.lookback > 100'000) {
      return Fail(ErrorKind::kConfig, Where(s, "lookback must be between 0 and 100000"));
    }
    if (auto st = date("initial", s.initial); !st) return st;
    if (!s.dataset.empty()) return need(s.column, "a column of the calendar");
    return core::Ok();
  }
  if (auto st = need(s.dataset, "a dataset"); !st) return st;
  if (auto st = need(s.column, "a column"); !st) return st;
  if (s.kind == Kind::kTradingDays) {
    if (s.pick != "first" && s.pick != "last") {
      return Fail(ErrorKind::kConfig, Where(s, "pick '" + s.pick + "' is not allowed (allowed: first, last)"));
    }
    if (auto st = need(s.start, "a start date"); !st) return st;
    return date("start", s.start);
  }
  return core::Ok();
}

core::Result<int32_t> ResolveDate(const std::string& raw, const GenerationContext& ctx) {
  std::string text(core::Trim(raw));
  auto bad = [&] {
    return Fail(ErrorKind::kConfig, "'" + text + "' is not a date (use YYYYMMDD, YYYY-MM-DD, today, today-N)");
  };
  if (text.starts_with("today")) {
    if (ctx.clock == nullptr) return Fail(ErrorKind::kInternal, "no clock to resolve 'today'");
    int32_t today = ctx.tz ? ctx.tz->LocalDay(ctx.clock->Now()) : core::TimeZone::Utc().LocalDay(ctx.clock->Now());
    std::string_view rest = std::string_view(text).substr(5);
    if (rest.empty()) return today;
    auto offset = core::ParseInt64(rest);
    if (!offset || (rest[0] != '-' && rest[0] != '+') || *offset < -100000 || *offset > 100000) return bad();
    return today + static_cast<int32_t>(*offset);
  }
  if (auto d = core::ParseDate(text)) return *d;
  return bad();
}

core::Result<std::vector<std::string>> ExpandParam(const ParamSource& source, const GenerationContext& ctx) {
  auto t = ExpandSource(source, ctx);
  if (!t) return Fail(t.error());
  if (t->columns.size() != 1) {
    return Fail(ErrorKind::kInternal, "param '" + source.name + "': yields more than one parameter");
  }
  return std::move(t->cells);
}

}  // namespace datasync::generation
