#include "app/views/compare_views.hpp"

#include <nlohmann/json.hpp>

#include "core/dates.hpp"

namespace datasync::app::views {

using json = nlohmann::ordered_json;

namespace {

std::string_view KindName(RowExample::Kind kind, bool verify) {
  switch (kind) {
    case RowExample::Kind::kOnlyLeft: return verify ? "vanished" : "only_left";
    case RowExample::Kind::kOnlyRight: return verify ? "added" : "only_right";
    case RowExample::Kind::kChanged: return verify ? "revised" : "changed";
  }
  return "changed";
}

}  // namespace

json ToJson(const RowDiff& d, const char* left, const char* right) {
  const bool verify = std::string_view(right) == "vendor";
  json examples = json::array();
  for (const auto& e : d.examples) {
    json x = {{"kind", KindName(e.kind, verify)}, {"key", e.key}};
    if (e.kind == RowExample::Kind::kChanged) {
      x["field"] = e.field;
      x[left] = e.left;
      x[right] = e.right;
    } else {
      x["row"] = e.kind == RowExample::Kind::kOnlyLeft ? e.left : e.right;
    }
    examples.push_back(std::move(x));
  }
  json by_field = json::object();
  for (const auto& [f, n] : d.changed_by_field) by_field[f] = n;
  json out = {
      {std::string(left) + "_rows", d.left_rows}, {std::string(right) + "_rows", d.right_rows}, {"same", d.same}};
  if (verify) {
    out["revised"] = d.changed;
    out["added"] = d.only_right;
    out["vanished"] = d.only_left;
  } else {
    out["changed"] = d.changed;
    out["only_left"] = d.only_left;
    out["only_right"] = d.only_right;
  }
  out["duplicates"] = d.duplicates;
  out[verify ? "revised_by_field" : "changed_by_field"] = std::move(by_field);
  out["examples"] = std::move(examples);
  return out;
}

json ToJson(const ReconcileReport& r) {
  json partitions = json::array();
  for (const auto& p : r.partitions) {
    json days = json::array();
    for (const auto& d : p.days) {
      json day = {{"day", d.day == INT32_MIN || r.date_key.empty() ? json(nullptr) : json(core::FormatIsoDate(d.day))},
                  {"left_rows", d.left_rows},
                  {"right_rows", d.right_rows}};
      if (d.rows) day["rows"] = ToJson(*d.rows);
      days.push_back(std::move(day));
    }
    partitions.push_back({{"partition", p.label},
                          {"left_rows", p.left_rows},
                          {"right_rows", p.right_rows},
                          {"same", p.same},
                          {"days", std::move(days)}});
  }
  auto day = [](const std::optional<int32_t>& d) { return d ? json(core::FormatIsoDate(*d)) : json(nullptr); };
  return {{"dataset", r.dataset},
          {"left", r.left},
          {"right", r.right},
          {"date_key", r.date_key},
          {"by", std::string(PartitionByName(r.by))},
          {"from", day(r.from)},
          {"to", day(r.to)},
          {"fields", r.fields},
          {"only_left_fields", r.only_left_fields},
          {"only_right_fields", r.only_right_fields},
          {"left_rows", r.left_rows},
          {"right_rows", r.right_rows},
          {"partitions_differ", r.partitions_differ},
          {"days_differ", r.days_differ},
          {"same", r.same()},
          {"partitions", std::move(partitions)}};
}

json ToJson(const VerifyReport& r) {
  json differing = json::array();
  for (const auto& t : r.differing) {
    json params = json::object();
    for (const auto& [k, v] : t.params) params[k] = v;
    differing.push_back({{"params", std::move(params)}, {"diff", ToJson(t.diff, "stored", "vendor")}});
  }
  json by_field = json::object();
  for (const auto& [f, n] : r.revised_by_field) by_field[f] = n;
  return {{"plan", r.plan},
          {"dataset", r.dataset},
          {"storage", r.storage},
          {"candidates", r.candidates},
          {"chosen", r.chosen},
          {"seed", std::to_string(r.seed)},
          {"run_id", r.run_id == 0 ? json(nullptr) : json(r.run_id)},
          {"run_status", r.run_status},
          {"note", r.note},
          {"checked", r.checked},
          {"unchanged", r.unchanged},
          {"revised", r.revised},
          {"added", r.added},
          {"vanished", r.vanished},
          {"revised_by_field", std::move(by_field)},
          {"clean", r.clean()},
          {"differing", std::move(differing)}};
}

}  // namespace datasync::app::views
