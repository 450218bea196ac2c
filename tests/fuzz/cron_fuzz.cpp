// Fuzz target: the cron parser and its next-fire computation (sync/cron.hpp).
//
// Input: the expression text. Checks, besides the sanitizers: an accepted expression has no number above
// 59 (no field takes more, so a larger one must have been refused, not wrapped); its next fire time, in
// four zones with and without daylight-saving time, is later than the start, on a whole second, on a day
// the expression matches, and (in zones without daylight-saving time) is also what Next returns from one
// second before it; the fire after it is later still.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/time_zone.hpp"
#include "sync/cron.hpp"

namespace {

using datasync::core::FromEpochMicros;
using datasync::core::TimeZone;
using datasync::core::ToEpochMicros;

[[noreturn]] void Fail(std::string_view expr, const std::string& what) {
  std::fprintf(stderr, "cron fuzz: '%.*s': %s\n", static_cast<int>(expr.size()), expr.data(), what.c_str());
  std::abort();
}

// Each zone with a start instant near one of its interesting days.
struct Start {
  TimeZone tz;
  int64_t micros;
  bool fixed_offset;  // no daylight-saving time: every local time exists exactly once
};

std::vector<Start> Starts() {
  std::vector<Start> out;
  auto add = [&](const char* zone, int64_t epoch_secs, bool fixed) {
    auto tz = TimeZone::Load(zone);
    if (!tz) std::abort();  // the build machine lacks tzdata: nothing meaningful to fuzz
    out.push_back({*tz, epoch_secs * 1'000'000, fixed});
  };
  add("UTC", 1767225600, true);                   // 2026-01-01 00:00:00
  add("America/New_York", 1772949600, false);     // 2026-03-08 06:00 UTC, 01:00 local, before spring-forward
  add("Australia/Lord_Howe", 1775314800, false);  // 2026-04-04 15:00 UTC, before its half-hour fall-back
  add("Asia/Shanghai", 1798732799, true);         // 2026-12-31 23:59:59 UTC, a year end
  return out;
}

void CheckNumbers(std::string_view expr) {
  for (size_t i = 0; i < expr.size();) {
    if (expr[i] < '0' || expr[i] > '9') {
      ++i;
      continue;
    }
    const size_t start = i;
    uint64_t v = 0;
    while (i < expr.size() && expr[i] >= '0' && expr[i] <= '9') {
      v = v > 1000 ? v : v * 10 + static_cast<uint64_t>(expr[i] - '0');  // saturates: only "above 59" matters
      ++i;
    }
    if (v > 59) {
      Fail(expr, "accepted with the number " + std::string(expr.substr(start, i - start)) + ", which no field allows");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<Start> starts = Starts();
  std::string_view expr(reinterpret_cast<const char*>(data), size);
  auto cron = datasync::sync::CronExpr::Parse(expr);
  if (!cron) {
    if (cron.error().message().empty()) Fail(expr, "refused without a message");
    return 0;
  }
  CheckNumbers(expr);
  for (const Start& s : starts) {
    auto next = cron->Next(FromEpochMicros(s.micros), s.tz);
    if (!next) continue;  // no fire within ten years: allowed by Next's contract
    int64_t n = ToEpochMicros(*next);
    std::string where = " (zone " + s.tz.name() + ", start " + std::to_string(s.micros) + ")";
    if (n <= s.micros) Fail(expr, "next fire " + std::to_string(n) + " is not after the start" + where);
    if (n % 1'000'000 != 0) Fail(expr, "next fire " + std::to_string(n) + " is not on a whole second" + where);
    if (!cron->MatchesDay(s.tz.LocalDay(*next)))
      Fail(expr, "next fire " + std::to_string(n) + " is on a day it does not match" + where);
    // Where local time has gaps, a time in the gap fires after it, so only fixed offsets promise this.
    auto again = cron->Next(FromEpochMicros(n - 1'000'000), s.tz);
    if (s.fixed_offset && (!again || ToEpochMicros(*again) != n))
      Fail(expr, "Next from one second before " + std::to_string(n) + " differs" + where);
    auto after = cron->Next(*next, s.tz);
    if (after && ToEpochMicros(*after) <= n)
      Fail(expr, "the fire after " + std::to_string(n) + " is not later" + where);
  }
  return 0;
}
