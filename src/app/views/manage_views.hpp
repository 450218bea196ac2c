// Manage views: the JSON of the configuration objects with their origin (the web app's Manage pages), of a
// change made in the app, of a template test, and the forms: each kind's section keys (app/config_sections.hpp)
// with the option tables of its plugins, so the app's forms offer exactly what datasync.yaml accepts.
//
// Lifecycle: pure functions. Thread-safety: safe from any thread (the registries are read only).
#pragma once

#include <nlohmann/json_fwd.hpp>

#include "app/manage_service.hpp"

namespace datasync::app::views {

// {"kind", "name", "origin", "editable", "note", "updated_by", "updated_at_us"}, and with_body: "body" (secrets
// masked) and "body_yaml" (each key's value as YAML text, for the form's YAML fields).
nlohmann::ordered_json ToJson(const ManagedObject& object, bool with_body);
// {"ok", "issues": [...], "changed", "changes": [...]}
nlohmann::ordered_json ToJson(const ObjectChange& change);
// {"subject", "count", "first": [{param: value}]}
nlohmann::ordered_json ToJson(const ArgumentTest& test);
// {"kind", "section", "fields": [field], "plugin_key", "variants": {plugin id: {"description", "fields"}}},
// a field: {"key", "type" (text, integer, number, boolean, list, secret, choice, plugin, ref, refs, yaml),
// "required", "default", "unit", "description", "example", "choices", "ref", "min", "max"}. Sources vary
// by provider, storages by sink kind, datasets by their source's provider ("variant_of": "source").
nlohmann::ordered_json FormJson(metadata::ObjectKind kind, const datasource::ProviderRegistry& providers,
                                const storage::SinkRegistry& sinks);

}  // namespace datasync::app::views
