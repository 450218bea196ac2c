#include "app/views/plugin_views.hpp"

#include <nlohmann/json.hpp>

#include "app/option_docs.hpp"

namespace datasync::app::views {

using json = nlohmann::ordered_json;

json ToJson(std::span<const core::OptionSpec> specs) {
  json arr = json::array();
  for (const auto& s : specs) {
    arr.push_back({{"name", std::string(s.name)},
                   {"type", OptionTypeText(s)},
                   {"default", std::string(s.default_value)},
                   {"required", s.required},
                   {"unit", std::string(s.unit)},
                   {"description", std::string(s.description)}});
    if (s.type == core::OptionType::kRecordList && s.fields) arr.back()["fields"] = ToJson(s.fields());
  }
  return arr;
}

json PluginsJson(const datasource::ProviderRegistry& providers, const storage::SinkRegistry& sinks) {
  json out = {{"providers", json::array()}, {"sinks", json::array()}};
  for (const auto& id : providers.Ids()) {
    const auto* p = providers.Find(id);
    out["providers"].push_back({{"id", p->id},
                                {"description", p->description},
                                {"default_endpoint", p->default_endpoint},
                                {"options", ToJson(p->options)},
                                {"dataset_options", ToJson(p->dataset_options)}});
  }
  for (const auto& id : sinks.Ids()) {
    const auto* s = sinks.Find(id);
    out["sinks"].push_back({{"id", s->id}, {"description", s->description}, {"options", ToJson(s->options)}});
  }
  return out;
}

}  // namespace datasync::app::views
