#include "datasource/dataset_diff.hpp"

#include <algorithm>
#include <set>

namespace datasync::datasource {

namespace {

template <class T>
const T* ByName(const std::vector<T>& items, const std::string& name) {
  auto it = std::find_if(items.begin(), items.end(), [&](const T& x) { return x.name == name; });
  return it == items.end() ? nullptr : &*it;
}

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ",") + x;
  return s.empty() ? "(none)" : s;
}

}  // namespace

bool DatasetDiff::empty() const {
  return added_fields.empty() && removed_fields.empty() && retyped_fields.empty() && added_params.empty() &&
         removed_params.empty() && changed_params.empty() && other.empty();
}

bool DatasetDiff::additive() const {
  return removed_fields.empty() &&
         std::all_of(retyped_fields.begin(), retyped_fields.end(), [](const auto& r) { return r.widening; });
}

bool IsWidening(const core::LogicalType& from, const core::LogicalType& to) {
  using core::TypeId;
  if (from == to) return true;
  switch (from.id) {
    case TypeId::kBool: return to.id == TypeId::kInt32 || to.id == TypeId::kInt64 || to.id == TypeId::kFloat64;
    case TypeId::kInt32: return to.id == TypeId::kInt64 || to.id == TypeId::kFloat64;
    case TypeId::kInt64: return to.id == TypeId::kFloat64;
    case TypeId::kDecimal:
      return to.id == TypeId::kDecimal && to.scale >= from.scale && to.precision - to.scale >= from.precision - from.scale;
    default: return false;
  }
}

DatasetDiff DiffDatasets(const Dataset& before, const Dataset& after) {
  DatasetDiff d;
  static const std::vector<core::Field> kNone;
  const auto& old_fields = before.schema ? before.schema->fields() : kNone;
  const auto& new_fields = after.schema ? after.schema->fields() : kNone;
  for (const auto& f : new_fields) {
    const core::Field* o = ByName(old_fields, f.name);
    if (!o) {
      d.added_fields.push_back(f);
    } else if (!(o->type == f.type)) {
      d.retyped_fields.push_back({f.name, o->type, f.type, IsWidening(o->type, f.type)});
    }
  }
  for (const auto& f : old_fields) {
    if (!ByName(new_fields, f.name)) d.removed_fields.push_back(f);
  }
  for (const auto& p : after.params) {
    const RequestParam* o = ByName(before.params, p.name);
    if (!o) {
      d.added_params.push_back(p);
      continue;
    }
    if (o->type != p.type) d.changed_params.push_back({p.name, "type " + o->type + " -> " + p.type});
    if (o->required != p.required) d.changed_params.push_back({p.name, p.required ? "now required" : "no longer required"});
  }
  for (const auto& p : before.params) {
    if (!ByName(after.params, p.name)) d.removed_params.push_back(p);
  }
  if (before.api != after.api) d.other.push_back("api " + before.api + " -> " + after.api);
  if (before.primary_key != after.primary_key) {
    d.other.push_back("primary key " + Join(before.primary_key) + " -> " + Join(after.primary_key));
  }
  if (before.date_key != after.date_key) {
    d.other.push_back("date key " + (before.date_key.empty() ? "(none)" : before.date_key) + " -> " +
                      (after.date_key.empty() ? "(none)" : after.date_key));
  }
  if (before.row_cap != after.row_cap) {
    d.other.push_back("row cap " + std::to_string(before.row_cap) + " -> " + std::to_string(after.row_cap));
  }
  if (before.points != after.points) {
    d.other.push_back("points " + std::to_string(before.points) + " -> " + std::to_string(after.points));
  }
  // The provider's own settings (a rest dataset's path or record selector), one line per key that changed.
  std::set<std::string, std::less<>> keys;
  for (const auto& [k, v] : before.options.values()) keys.insert(k);
  for (const auto& [k, v] : after.options.values()) keys.insert(k);
  for (const auto& k : keys) {
    bool had = before.options.Has(k), has = after.options.Has(k);
    auto text = [&](const core::Options& o) {
      return o.Has(k) ? core::OptionValueToString(o.values().find(k)->second) : std::string("(unset)");
    };
    if (had != has || (had && before.options.values().find(k)->second != after.options.values().find(k)->second)) {
      d.other.push_back(k + " " + text(before.options) + " -> " + text(after.options));
    }
  }
  return d;
}

std::vector<std::string> DescribeDiff(const DatasetDiff& d) {
  std::vector<std::string> out;
  for (const auto& f : d.added_fields) out.push_back("+ field " + f.name + " (" + f.type.ToString() + ")");
  for (const auto& f : d.removed_fields) out.push_back("- field " + f.name + " (" + f.type.ToString() + ")");
  for (const auto& r : d.retyped_fields) {
    out.push_back("~ field " + r.name + ": " + r.from.ToString() + " -> " + r.to.ToString() +
                  (r.widening ? " (widening)" : " (not widening)"));
  }
  for (const auto& p : d.added_params) {
    out.push_back("+ param " + p.name + " (" + p.type + (p.required ? ", required" : "") + ")");
  }
  for (const auto& p : d.removed_params) out.push_back("- param " + p.name + " (" + p.type + ")");
  for (const auto& c : d.changed_params) out.push_back("~ param " + c.name + ": " + c.what);
  for (const auto& o : d.other) out.push_back("~ " + o);
  return out;
}

}  // namespace datasync::datasource
