// `datasync coverage DATASET`: the trading days a storage holds for a dataset against the open days of a
// trading calendar, with the missing ones as ranges and a per-year summary (app/coverage.hpp); and what
// `datasync repair` found missing and would fetch (app/repair.hpp; the command runs with the run commands).
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/coverage.hpp"
#include "app/repair.hpp"
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

bool ParseDayBounds(const std::string& from_text, const std::string& to_text, std::optional<int32_t>& from,
                    std::optional<int32_t>& to) {
  for (auto [text, out, flag] : {std::tuple{&from_text, &from, "--from"}, std::tuple{&to_text, &to, "--to"}}) {
    if (text->empty()) continue;
    auto d = core::ParseDate(*text);
    if (!d) {
      std::fprintf(stderr, "error: %s %s: expected a day, YYYY-MM-DD or YYYYMMDD\n", flag, text->c_str());
      return false;
    }
    *out = *d;
  }
  if (from && to && *to < *from) {
    std::fprintf(stderr, "error: --to is before --from\n");
    return false;
  }
  return true;
}

std::string DescribeRepair(const app::RepairPlan& r) {
  const app::CoverageReport& c = r.coverage;
  std::string out =
      fmt::format("repair {}: {} in storage {}, {} .. {}\n", r.plan, r.dataset, r.storage, Day(c.from), Day(c.to));
  std::vector<std::string> ranges;
  for (const auto& m : c.missing_ranges) ranges.push_back(Range(m));
  out += fmt::format("  missing: {} trading day(s){}\n", c.missing,
                     ranges.empty() ? std::string() : " (" + core::Join(ranges, ", ") + ")");
  if (r.by_key) {
    out += fmt::format("  by {}: {} (key, day) pair(s) missing in {} key(s)\n", c.key, c.key_days_missing,
                       c.keys_with_gaps);
  }
  out += fmt::format("  {} of {} argument set(s) ask for them", r.selected, r.arguments);
  out += r.estimate_secs > 0 ? fmt::format("; about {} s at the quota of {}\n", r.estimate_secs, r.quota_label)
                             : std::string("\n");
  for (const auto& p : r.first) {
    std::vector<std::string> kv;
    for (const auto& [k, v] : p) kv.push_back(k + "=" + v);
    out += "    " + core::Join(kv, " ") + "\n";
  }
  if (r.selected > r.first.size()) out += fmt::format("    ... and {} more\n", r.selected - r.first.size());
  return out;
}

int CmdCoverage(const Globals& g, const CoverageArgs& args) {
  app::CoverageOptions o;
  o.dataset = args.dataset;
  o.storage = args.storage;
  o.calendar = args.calendar;
  o.exchange = args.exchange;
  o.by_key = args.by == "key";
  o.key = args.key;
  o.max_keys = static_cast<size_t>(std::max<int64_t>(args.max_keys, 0));
  o.listing = args.listing;
  if ((!o.key.empty() || !o.listing.empty()) && !o.by_key) {
    std::fprintf(stderr, "error: %s goes with --by key\n", o.key.empty() ? "--listing" : "--key");
    return kUsage;
  }
  if (!ParseDayBounds(args.from, args.to, o.from, o.to)) return kUsage;
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
    if (r->listing.empty()) {
      Print(fmt::format("  by {}: {} keys, {} with a gap inside their own history, {} (key, day) pairs missing\n",
                        r->key, r->keys, r->keys_with_gaps, r->key_days_missing));
    } else {
      Print(
          fmt::format("  by {}: {} keys, {} with a gap between their listing and delisting in {}, {} (key, day) "
                      "pairs missing{}\n",
                      r->key, r->keys, r->keys_with_gaps, r->listing, r->key_days_missing,
                      r->keys_not_listed ? fmt::format("; {} key(s) {} does not list were judged by their own "
                                                       "history",
                                                       r->keys_not_listed, r->listing)
                                         : std::string()));
    }
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
