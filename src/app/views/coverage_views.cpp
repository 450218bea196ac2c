#include "app/views/coverage_views.hpp"

#include <nlohmann/json.hpp>

#include "core/dates.hpp"

namespace datasync::app::views {

using json = nlohmann::ordered_json;

namespace {

std::string Day(int32_t d) {
  return core::FormatIsoDate(d);
}

}  // namespace

json ToJson(const CoverageReport& r, bool with_marks) {
  json ranges = json::array();
  for (const auto& m : r.missing_ranges)
    ranges.push_back({{"first", Day(m.first)}, {"last", Day(m.last)}, {"days", m.days}});
  json years = json::array();
  for (const auto& y : r.years) {
    years.push_back({{"year", y.year}, {"expected", y.expected}, {"present", y.present}, {"missing", y.missing}});
  }
  json closed = json::array();
  for (int32_t d : r.on_closed_days) closed.push_back(Day(d));
  json out = {{"dataset", r.dataset},   {"storage", r.storage},    {"date_key", r.date_key}, {"calendar", r.calendar},
              {"exchange", r.exchange}, {"from", Day(r.from)},     {"to", Day(r.to)},        {"expected", r.expected},
              {"present", r.present},   {"missing", r.missing},    {"unknown", r.unknown},   {"missing_ranges", ranges},
              {"years", years},         {"on_closed_days", closed}};
  if (with_marks) out["day_marks"] = r.day_marks;
  if (!r.key.empty()) {
    json gaps = json::array();
    for (const auto& k : r.key_gaps) {
      json kr = json::array();
      for (const auto& m : k.missing_ranges)
        kr.push_back({{"first", Day(m.first)}, {"last", Day(m.last)}, {"days", m.days}});
      gaps.push_back({{"key", k.key},
                      {"first", Day(k.first)},
                      {"last", Day(k.last)},
                      {"expected", k.expected},
                      {"present", k.present},
                      {"missing", k.missing},
                      {"missing_ranges", kr}});
    }
    out["by_key"] = {{"key", r.key},
                     {"listing", r.listing.empty() ? json(nullptr) : json(r.listing)},
                     {"keys_not_listed", r.keys_not_listed},
                     {"keys", r.keys},
                     {"keys_with_gaps", r.keys_with_gaps},
                     {"missing", r.key_days_missing},
                     {"gaps", gaps},
                     {"truncated", r.key_gaps_truncated}};
  }
  return out;
}

json ToJson(const RepairPlan& r) {
  json first = json::array();
  for (const auto& p : r.first) {
    json one = json::object();
    for (const auto& [k, v] : p) one[k] = v;
    first.push_back(std::move(one));
  }
  return {{"plan", r.plan},           {"dataset", r.dataset},
          {"storage", r.storage},     {"by_key", r.by_key},
          {"arguments", r.arguments}, {"selected", r.selected},
          {"first", first},           {"estimate_secs", r.estimate_secs},
          {"quota", r.quota_label},   {"coverage", ToJson(r.coverage)}};
}

}  // namespace datasync::app::views
