#include "sync/cron.hpp"

#include <array>
#include <vector>

#include "core/dates.hpp"
#include "core/strings.hpp"

namespace datasync::sync {

namespace {

struct FieldSpec {
  std::string_view name;
  int min;
  int max;
  const std::array<std::string_view, 12>* names;  // names[i] is the value names_base + i
  int names_base;
};

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 12> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

constexpr FieldSpec kSecond{"second", 0, 59, nullptr, 0};
constexpr FieldSpec kMinute{"minute", 0, 59, nullptr, 0};
constexpr FieldSpec kHour{"hour", 0, 23, nullptr, 0};
constexpr FieldSpec kDom{"day of month", 1, 31, nullptr, 0};
constexpr FieldSpec kMonth{"month", 1, 12, &kMonthNames, 1};
constexpr FieldSpec kDow{"day of week", 0, 7, &kDayNames, 0};  // 7 is Sunday too

std::string Allowed(const FieldSpec& f) {
  std::string s = std::to_string(f.min) + "-" + std::to_string(f.max);
  if (&f == &kMonth) s += " or JAN-DEC";
  if (&f == &kDow) s += " or SUN-SAT";
  if (&f == &kDom) s += " or L";
  return s;
}

core::Error FieldError(const FieldSpec& f, std::string_view field, const std::string& why) {
  return core::Error(core::ErrorKind::kConfig, "cron " + std::string(f.name) + " field '" + std::string(field) +
                                                   "': " + why + " (allowed: " + Allowed(f) +
                                                   ", with ranges a-b, steps */n, lists a,b)");
}

// A number is kept as int64 until it is range-checked: narrowing it first would wrap 4294967296 to 0.
std::optional<int64_t> ParseValue(const FieldSpec& f, std::string_view s) {
  if (auto n = core::ParseInt64(s); n && s.find_first_of("+-") == std::string_view::npos) return *n;
  if (f.names) {
    std::string upper;
    for (char c : s) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (size_t i = 0; i < f.names->size(); ++i) {
      if (!(*f.names)[i].empty() && (*f.names)[i] == upper) return f.names_base + static_cast<int>(i);
    }
  }
  return std::nullopt;
}

// Sets the bits of one field; `last` receives an `L` in day-of-month; `star` says the field starts with `*`.
template <size_t N>
core::Status ParseField(const FieldSpec& f, std::string_view text, std::bitset<N>& bits, bool* star, bool* last) {
  if (star) *star = !text.empty() && (text[0] == '*' || text[0] == '?');
  for (const std::string& item : core::Split(text, ',')) {
    if (item.empty()) return core::Fail(FieldError(f, text, "empty list item"));
    std::string_view range = item;
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string::npos) {
      range = std::string_view(item).substr(0, slash);
      auto n = core::ParseInt64(std::string_view(item).substr(slash + 1));
      if (!n || *n < 1 || *n > f.max)
        return core::Fail(
            FieldError(f, text, "step '" + item.substr(slash + 1) + "' is not 1-" + std::to_string(f.max)));
      step = static_cast<int>(*n);
    }
    int64_t lo = f.min, hi = f.max;
    if (&f == &kDow) hi = 6;
    if (range == "*" || ((&f == &kDom || &f == &kDow) && range == "?")) {
      // whole range
    } else if (&f == &kDom && (range == "L" || range == "l")) {
      if (step != 1) return core::Fail(FieldError(f, text, "L takes no step"));
      if (last) *last = true;
      continue;
    } else if (auto dash = range.find('-'); dash != std::string_view::npos) {
      auto a = ParseValue(f, range.substr(0, dash));
      auto b = ParseValue(f, range.substr(dash + 1));
      if (!a || !b) return core::Fail(FieldError(f, text, "'" + std::string(range) + "' is not a range of values"));
      lo = *a;
      hi = *b;
      if (&f == &kDow && hi == 7 && lo > 0) hi = 7;  // 5-7: Friday to Sunday
    } else {
      auto a = ParseValue(f, range);
      if (!a) return core::Fail(FieldError(f, text, "'" + std::string(range) + "' is not a value"));
      lo = *a;
      // "a/n" runs from a to the field's maximum; a plain "a" is that value alone.
      hi = item.find('/') != std::string::npos ? (&f == &kDow ? 6 : f.max) : *a;
    }
    if (lo < f.min || lo > f.max || hi < f.min || hi > f.max) {
      return core::Fail(FieldError(f, text, std::to_string(lo < f.min || lo > f.max ? lo : hi) + " is out of range"));
    }
    if (lo > hi) {
      return core::Fail(
          FieldError(f, text, "range " + std::string(range) + " runs backwards (write it as two ranges)"));
    }
    for (int64_t v = lo; v <= hi; v += step) bits.set(static_cast<size_t>(&f == &kDow && v == 7 ? 0 : v));
  }
  return core::Ok();
}

std::string_view ExpandMacro(std::string_view text) {
  if (text == "@yearly" || text == "@annually") return "0 0 1 1 *";
  if (text == "@monthly") return "0 0 1 * *";
  if (text == "@weekly") return "0 0 * * 0";
  if (text == "@daily" || text == "@midnight") return "0 0 * * *";
  if (text == "@hourly") return "0 * * * *";
  return {};
}

int64_t FloorDiv(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

constexpr int32_t kHorizonDays = 366 * 10;
constexpr int64_t kUs = 1'000'000;

}  // namespace

core::Result<CronExpr> CronExpr::Parse(std::string_view raw) {
  std::string_view text = core::Trim(raw);
  CronExpr c;
  c.text_ = std::string(text);
  if (text.empty()) return core::Fail(core::ErrorKind::kConfig, "empty cron expression");
  std::string expanded;
  if (text[0] == '@') {
    std::string_view m = ExpandMacro(core::ToLower(text));
    if (m.empty()) {
      return core::Fail(core::ErrorKind::kConfig, "unknown cron macro '" + std::string(text) +
                                                      "' (allowed: @yearly, @annually, @monthly, @weekly, @daily, "
                                                      "@midnight, @hourly)");
    }
    expanded = std::string(m);
  } else {
    expanded = std::string(text);
  }
  std::vector<std::string> fields;
  for (const auto& part : core::Split(expanded, ' ')) {
    for (const auto& p : core::Split(part, '\t')) {
      if (!p.empty()) fields.push_back(p);
    }
  }
  if (fields.size() != 5 && fields.size() != 6) {
    return core::Fail(core::ErrorKind::kConfig,
                      "cron expression '" + std::string(text) + "' has " + std::to_string(fields.size()) +
                          " fields; expected 5 (minute hour day-of-month month day-of-week) or 6 (second first)");
  }
  size_t i = 0;
  if (fields.size() == 6) {
    if (auto st = ParseField(kSecond, fields[i++], c.seconds_, nullptr, nullptr); !st) return core::Fail(st.error());
  } else {
    c.seconds_.set(0);
  }
  if (auto st = ParseField(kMinute, fields[i++], c.minutes_, nullptr, nullptr); !st) return core::Fail(st.error());
  if (auto st = ParseField(kHour, fields[i++], c.hours_, nullptr, nullptr); !st) return core::Fail(st.error());
  if (auto st = ParseField(kDom, fields[i++], c.dom_, &c.dom_star_, &c.last_dom_); !st) return core::Fail(st.error());
  if (auto st = ParseField(kMonth, fields[i++], c.months_, nullptr, nullptr); !st) return core::Fail(st.error());
  if (auto st = ParseField(kDow, fields[i++], c.dow_, &c.dow_star_, nullptr); !st) return core::Fail(st.error());

  // With day-of-week unrestricted only day-of-month decides: some chosen day must exist in a chosen month
  // (29 February counts: it exists in leap years).
  if (c.dow_star_) {
    bool possible = false;
    for (uint32_t m = 1; m <= 12 && !possible; ++m) {
      if (!c.months_.test(m)) continue;
      uint32_t longest = m == 2 ? 29 : core::DaysInMonth(2001, m);
      if (c.last_dom_) possible = true;
      for (uint32_t d = 1; d <= longest && !possible; ++d) possible = c.dom_.test(d);
    }
    if (!possible) {
      return core::Fail(core::ErrorKind::kConfig, "cron expression '" + std::string(text) +
                                                      "' never fires: no chosen month has the chosen day of month");
    }
  }
  return c;
}

bool CronExpr::MatchesDay(int32_t days) const {
  core::CivilDate d = core::CivilFromDays(days);
  if (!months_.test(d.month)) return false;
  bool dom = dom_.test(d.day) || (last_dom_ && d.day == core::DaysInMonth(d.year, d.month));
  bool dow = dow_.test(core::Weekday(days));
  return (dom_star_ || dow_star_) ? (dom && dow) : (dom || dow);
}

std::optional<core::TimePoint> CronExpr::Next(core::TimePoint after, const core::TimeZone& tz) const {
  const int64_t after_us = core::ToEpochMicros(after);
  // Candidates are enumerated in local wall-clock order from the second after `after`; the first whose
  // instant is later than `after` wins (a repeated local hour maps to its first occurrence, so its second
  // pass yields no candidate).
  const int64_t start = FloorDiv(tz.UtcToLocal(after_us), kUs) + 1;
  const int32_t start_day = static_cast<int32_t>(FloorDiv(start, 86400));
  const int64_t start_sod = start - int64_t{start_day} * 86400;
  const int sh = static_cast<int>(start_sod / 3600), sm = static_cast<int>(start_sod / 60 % 60),
            ss = static_cast<int>(start_sod % 60);
  for (int32_t day = start_day; day < start_day + kHorizonDays; ++day) {
    if (!MatchesDay(day)) continue;
    const bool first_day = day == start_day;
    for (int h = first_day ? sh : 0; h < 24; ++h) {
      if (!hours_.test(static_cast<size_t>(h))) continue;
      const bool first_hour = first_day && h == sh;
      for (int m = first_hour ? sm : 0; m < 60; ++m) {
        if (!minutes_.test(static_cast<size_t>(m))) continue;
        const bool first_minute = first_hour && m == sm;
        for (int s = first_minute ? ss : 0; s < 60; ++s) {
          if (!seconds_.test(static_cast<size_t>(s))) continue;
          int64_t local = (int64_t{day} * 86400 + h * 3600 + m * 60 + s) * kUs;
          int64_t utc = tz.LocalToUtc(local);
          if (utc > after_us) return core::FromEpochMicros(utc);
        }
      }
    }
  }
  return std::nullopt;
}

}  // namespace datasync::sync
