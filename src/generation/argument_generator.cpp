#include "generation/argument_generator.hpp"

#include <algorithm>

#include "core/dates.hpp"
#include "core/strings.hpp"
#include "core/time_zone.hpp"

namespace datasync::generation {

using core::ErrorKind;
using core::Fail;

namespace {

// Adds `months` to a date, keeping the anchor day of month where the month has it (Jan 31 -> Feb 29).
int32_t AddMonths(int32_t days, int32_t months, uint32_t anchor_day) {
  core::CivilDate c = core::CivilFromDays(days);
  int32_t total = c.year * 12 + static_cast<int32_t>(c.month - 1) + months;
  int32_t year = total >= 0 ? total / 12 : (total - 11) / 12;
  auto month = static_cast<uint32_t>(total - year * 12 + 1);
  uint32_t day = std::min(anchor_day, core::DaysInMonth(year, month));
  return core::DaysFromCivil({year, month, day});
}

}  // namespace

core::Result<int32_t> ResolveDate(const std::string& raw, const GenerationContext& ctx) {
  std::string text(core::Trim(raw));
  if (text.starts_with("today")) {
    if (ctx.clock == nullptr) return Fail(ErrorKind::kInternal, "no clock to resolve 'today'");
    int32_t today = ctx.tz ? ctx.tz->LocalDay(ctx.clock->Now()) : core::TimeZone::Utc().LocalDay(ctx.clock->Now());
    std::string_view rest = std::string_view(text).substr(5);
    if (rest.empty()) return today;
    auto offset = core::ParseInt64(rest);
    if (!offset || (rest[0] != '-' && rest[0] != '+') || *offset < -100000 || *offset > 100000) {
      return Fail(ErrorKind::kConfig, "'" + text + "' is not a date (use YYYYMMDD, YYYY-MM-DD, today, today-N)");
    }
    return today + static_cast<int32_t>(*offset);
  }
  if (auto d = core::ParseDate(text)) return *d;
  return Fail(ErrorKind::kConfig, "'" + text + "' is not a date (use YYYYMMDD, YYYY-MM-DD, today, today-N)");
}

core::Result<std::vector<std::string>> ExpandParam(const ParamSource& source, const GenerationContext& ctx) {
  using Kind = ParamSource::Kind;
  switch (source.kind) {
    case Kind::kConstant:
    case Kind::kList: return source.values;
    case Kind::kDateRange: break;
  }
  auto where = [&](const std::string& msg) { return "param '" + source.name + "': " + msg; };
  auto start = ResolveDate(source.start, ctx);
  if (!start) return Fail(ErrorKind::kConfig, where("start: " + start.error().message()));
  auto end = ResolveDate(source.end, ctx);
  if (!end) return Fail(ErrorKind::kConfig, where("end: " + end.error().message()));
  bool compact;
  if (source.format == "YYYYMMDD") compact = true;
  else if (source.format == "YYYY-MM-DD") compact = false;
  else return Fail(ErrorKind::kConfig, where("format '" + source.format + "' is not allowed (allowed: YYYYMMDD, YYYY-MM-DD)"));

  int32_t months_per_step = 0, days_per_step = 0;
  if (source.step == "day") days_per_step = 1;
  else if (source.step == "week") days_per_step = 7;
  else if (source.step == "month") months_per_step = 1;
  else if (source.step == "quarter") months_per_step = 3;
  else if (source.step == "year") months_per_step = 12;
  else return Fail(ErrorKind::kConfig, where("step '" + source.step + "' is not allowed (allowed: day, week, month, quarter, year)"));
  if (source.weekdays_only && source.step != "day") {
    return Fail(ErrorKind::kConfig, where("weekdays_only needs step: day"));
  }
  if (*end - *start > 200 * 366) {
    return Fail(ErrorKind::kConfig, where("the range spans more than 200 years; check start and end"));
  }

  std::vector<std::string> out;
  uint32_t anchor = core::CivilFromDays(*start).day;
  for (int32_t i = 0, d = *start; d <= *end; ++i) {
    if (!(source.weekdays_only && (core::Weekday(d) == 0 || core::Weekday(d) == 6))) {
      out.push_back(compact ? core::FormatCompactDate(d) : core::FormatIsoDate(d));
    }
    d = days_per_step ? d + days_per_step : AddMonths(*start, (i + 1) * months_per_step, anchor);
  }
  return out;
}

core::Result<std::unique_ptr<ArgumentGenerator>> ArgumentGenerator::Make(const ArgumentSpec& spec,
                                                                         const GenerationContext& ctx) {
  auto gen = std::unique_ptr<ArgumentGenerator>(new ArgumentGenerator());
  gen->count_ = 1;
  for (const auto& p : spec.params) {
    auto values = ExpandParam(p, ctx);
    if (!values) return Fail(values.error());
    gen->names_.push_back(p.name);
    gen->count_ *= values->size();
    gen->values_.push_back(std::move(*values));
  }
  gen->cursor_.assign(gen->names_.size(), 0);
  return gen;
}

bool ArgumentGenerator::Next(datasource::Params& out) {
  if (emitted_ >= count_) return false;
  out.clear();
  for (size_t i = 0; i < names_.size(); ++i) out.emplace_back(names_[i], values_[i][cursor_[i]]);
  // Advance the odometer: the last parameter varies fastest.
  for (size_t i = names_.size(); i-- > 0;) {
    if (++cursor_[i] < values_[i].size()) break;
    cursor_[i] = 0;
  }
  ++emitted_;
  return true;
}

}  // namespace datasync::generation
