// Plugin views: the JSON of the registered providers and sinks with their option tables, as
// `datasync plugins --json` prints it and the REST API's forms will read it.
//
// Lifecycle: pure functions. Thread-safety: safe from any thread (the registries are read only).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <span>

#include "core/options.hpp"
#include "datasource/provider.hpp"
#include "storage/sink.hpp"

namespace datasync::app::views {

// [{"name", "type", "default", "required", "unit", "description"}] in the table's order.
nlohmann::ordered_json ToJson(std::span<const core::OptionSpec> options);
// {"providers": [{"id", "description", "default_endpoint", "options"}], "sinks": [{"id", "description",
// "options"}]}, each list in the registry's order.
nlohmann::ordered_json PluginsJson(const datasource::ProviderRegistry& providers, const storage::SinkRegistry& sinks);

}  // namespace datasync::app::views
