#include "app/views/manage_views.hpp"

#include <limits>
#include <nlohmann/json.hpp>

#include "app/config_sections.hpp"
#include "app/option_docs.hpp"
#include "app/views/catalog_views.hpp"
#include "app/yaml_json.hpp"

namespace datasync::app::views {

using json = nlohmann::ordered_json;
using metadata::ObjectKind;

namespace {

json Field(std::string_view key, std::string_view type, bool required, std::string_view description) {
  return {{"key", std::string(key)},
          {"type", std::string(type)},
          {"required", required},
          {"description", std::string(description)}};
}

// A plugin option as a form field.
json OptionField(const core::OptionSpec& s) {
  std::string_view type = "text";
  switch (s.type) {
    case core::OptionType::kInt: type = "integer"; break;
    case core::OptionType::kDouble: type = "number"; break;
    case core::OptionType::kBool: type = "boolean"; break;
    case core::OptionType::kStringList: type = "list"; break;
    case core::OptionType::kSecret: type = "secret"; break;
    case core::OptionType::kEnum: type = "choice"; break;
    case core::OptionType::kRecordList: type = "yaml"; break;
    case core::OptionType::kString:
    case core::OptionType::kPath: break;
  }
  json f = Field(s.name, type, s.required, s.description);
  if (!s.default_value.empty()) f["default"] = std::string(s.default_value);
  if (!s.unit.empty()) f["unit"] = std::string(s.unit);
  if (!s.example.empty()) f["example"] = std::string(s.example);
  if (s.type == core::OptionType::kEnum) {
    json choices = json::array();
    for (auto a : s.allowed) choices.push_back(std::string(a));
    f["choices"] = choices;
  }
  if (s.range) {
    if (s.range->min != std::numeric_limits<int64_t>::min()) f["min"] = s.range->min;
    if (s.range->max != std::numeric_limits<int64_t>::max()) f["max"] = s.range->max;
  }
  if (s.type == core::OptionType::kRecordList) f["type_text"] = OptionTypeText(s);
  return f;
}

json OptionFields(std::span<const core::OptionSpec> specs) {
  json out = json::array();
  for (const auto& s : specs) out.push_back(OptionField(s));
  return out;
}

}  // namespace

json ToJson(const ManagedObject& o, bool with_body) {
  json j = {{"kind", std::string(metadata::ObjectKindName(o.kind))},
            {"name", o.name},
            {"origin", o.origin},
            {"editable", o.editable},
            {"note", o.note},
            {"updated_by", o.updated_by},
            {"updated_at_us", o.updated_at_us}};
  if (with_body) {
    j["body"] = json::parse(o.body.dump());
    json yaml = json::object();
    if (o.body.is_object()) {
      for (const auto& [k, v] : o.body.items()) {
        if (v.is_object() || v.is_array()) yaml[k] = JsonToYaml(v);
      }
    }
    j["body_yaml"] = yaml;
  }
  return j;
}

json ToJson(const ObjectChange& c) {
  json j = ToJson(c.applied);
  return {{"ok", c.ok}, {"issues", ToJson(c.issues)}, {"changed", j["changed"]}, {"changes", j["changes"]}};
}

json ToJson(const ArgumentTest& t) {
  json first = json::array();
  for (const auto& p : t.first) {
    json set = json::object();
    for (const auto& [k, v] : p) set[k] = v;
    first.push_back(set);
  }
  return {{"subject", t.subject}, {"count", t.count}, {"first", first}};
}

json FormJson(ObjectKind kind, const datasource::ProviderRegistry& providers, const storage::SinkRegistry& sinks) {
  json fields = json::array();
  for (const auto& k : SectionKeys(kind)) {
    json f = Field(k.name, FormTypeName(k.type), k.required, k.description);
    if (!k.example.empty()) f["example"] = std::string(k.example);
    if (k.ref) f["ref"] = std::string(metadata::ObjectSection(*k.ref));
    if (!k.choices.empty()) {
      json choices = json::array();
      for (auto c : k.choices) choices.push_back(std::string(c));
      f["choices"] = choices;
    }
    fields.push_back(std::move(f));
  }
  json form = {{"kind", std::string(metadata::ObjectKindName(kind))},
               {"section", std::string(metadata::ObjectSection(kind))},
               {"fields", fields}};
  json variants = json::object();
  if (kind == ObjectKind::kSource || kind == ObjectKind::kDataset) {
    for (const auto& id : providers.Ids()) {
      const auto* p = providers.Find(id);
      variants[p->id] = {{"description", p->description},
                         {"fields", OptionFields(kind == ObjectKind::kSource ? p->options : p->dataset_options)}};
    }
    form["plugin_key"] = kind == ObjectKind::kSource ? "provider" : "source";
    if (kind == ObjectKind::kDataset) form["variant_of"] = "source";
  } else if (kind == ObjectKind::kStorage) {
    for (const auto& id : sinks.Ids()) {
      const auto* s = sinks.Find(id);
      variants[s->id] = {{"description", s->description}, {"fields", OptionFields(s->options)}};
    }
    form["plugin_key"] = "kind";
  }
  if (!variants.empty()) form["variants"] = variants;
  return form;
}

}  // namespace datasync::app::views
