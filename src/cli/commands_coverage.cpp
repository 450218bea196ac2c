// `datasync coverage DATASET`: the trading days a storage holds for a dataset against the open days of a
// trading calendar, with the missing ones as ranges and a per-year summary (app/coverage.hpp).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/coverage.hpp"
#include "app/views/coverage_views.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/dates.hpp"
#include "core/json_text.hpp"
#include "core/strings.hpp"

namespace datasync::cli {

using json = nlohmann::ordered_json;

namespace {

std::string Day(int32_t d) {
  return core::FormatIsoDate(d);
}

std::string Range(const app::DayRange& r) {
  std::string days = fmt::format("{} trading day{}", r.days, r.days == 1 ? "" : "s");
  return r.first == r.last ? fmt::format("{} ({})", Day(r.first), days)
                           : fmt::format("{} .. {} ({})", Day(r.first), Day(r.last), days);
}

}  // namespace

int CmdCoverage(const Globals& g, const CoverageArgs& args) {
  app::CoverageOptions o;
  o.dataset = args.dataset;
  o.storage = args.storage;
  o.calendar = args.calendar;
  o.exchange = args.exchange;
  o.by_key = args.by == "key";
  o.key = args.key;
  o.max_keys = static_cast<size_t>(std::max<int64_t>(args.max_keys, 0));
  if (!o.key.empty() && !o.by_key) {
    std::fprintf(stderr, "error: --key goes with --by key\n");
    return kUsage;
  }
  for (auto [text, out, flag] : {std::tuple{&args.from, &o.from, "--from"}, std::tuple{&args.to, &o.to, "--to"}}) {
    if (text->empty()) continue;
    auto d = core::ParseDate(*text);
    if (!d) {
      std::fprintf(stderr, "error: %s %s: expected a day, YYYY-MM-DD or YYYYMMDD\n", flag, text->c_str());
      return kUsage;
    }
    *out = *d;
  }
  if (o.from && o.to && *o.to < *o.from) {
    std::fprintf(stderr, "error: --to is before --from\n");
    return kUsage;
  }
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto r = app::DateCoverage(**a, o);
  if (!r) return ExitWithError(r.error());
  if (g.json) {
    Print(core::JsonText(app::views::ToJson(*r), 2) + "\n");
    return r->complete() ? kOk : kRunFailed;
  }
  Print(fmt::format("{} in storage {} by {}, {} .. {}: open days of {} in {}\n", r->dataset, r->storage, r->date_key,
                    Day(r->from), Day(r->to), r->exchange, r->calendar));
  Print(fmt::format(
      "  expected {}, present {}, missing {}{}\n", r->expected, r->present, r->missing,
      r->unknown ? fmt::format(" ({} day(s) the calendar does not hold were not judged)", r->unknown) : std::string()));
  for (const auto& m : r->missing_ranges) Print("  missing " + Range(m) + "\n");
  constexpr size_t kShown = 10;
  for (size_t i = 0; i < r->on_closed_days.size() && i < kShown; ++i) {
    Print("  rows on a closed day: " + Day(r->on_closed_days[i]) + "\n");
  }
  if (r->on_closed_days.size() > kShown) {
    Print(fmt::format("  ... and {} more closed days with rows (--json lists them all)\n",
                      r->on_closed_days.size() - kShown));
  }
  if (!r->key.empty()) {
    Print(fmt::format("  by {}: {} keys, {} with a gap inside their own history, {} (key, day) pairs missing\n", r->key,
                      r->keys, r->keys_with_gaps, r->key_days_missing));
    for (const auto& k : r->key_gaps) {
      std::vector<std::string> ranges;
      for (const auto& m : k.missing_ranges) ranges.push_back(Range(m));
      Print(fmt::format("  {} ({} .. {}): missing {}\n", k.key, Day(k.first), Day(k.last), core::Join(ranges, ", ")));
    }
    if (r->key_gaps_truncated) {
      Print(fmt::format("  ... {} more keys with gaps (raise --max-keys to list them)\n",
                        r->keys_with_gaps - static_cast<int64_t>(r->key_gaps.size())));
    }
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& y : r->years) {
    rows.push_back(
        {std::to_string(y.year), std::to_string(y.expected), std::to_string(y.present), std::to_string(y.missing)});
  }
  if (!rows.empty()) Print(RenderTable({"YEAR", "EXPECTED", "PRESENT", "MISSING"}, rows));
  return r->complete() ? kOk : kRunFailed;
}

}  // namespace datasync::cli
