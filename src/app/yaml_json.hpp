// Between YAML nodes and JSON values, for the objects made in the app: their bodies are JSON (the REST API's
// form, and what the system database stores), the config loader reads YAML, and `datasync export` prints
// YAML to paste into datasync.yaml. Thread-safe (pure functions).
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "core/error.hpp"

namespace datasync::app {

// A node as JSON: mappings as objects, sequences as arrays; a plain scalar that reads as an integer, a
// number, true/false or null becomes one, anything else (and every quoted scalar) a string. Mapping keys
// that are not scalars are refused.
core::Result<nlohmann::json> YamlToJson(const YAML::Node& node);
// YAML text (a mapping) as a JSON object; kInvalidInput with the line and column of a syntax error.
core::Result<nlohmann::json> YamlTextToJson(const std::string& text);

// Writes `value` to `out`. quote_strings: every string double-quoted, so that it reads back as the same
// string whatever it holds (the loader's form); otherwise only where plain YAML would change it (what a
// user pastes). In every mapping the keys named in `key_order` come first, in that order, then the others
// (sorted).
void EmitJson(YAML::Emitter& out, const nlohmann::json& value, bool quote_strings,
              std::span<const std::string> key_order = {});
// `value` as block-style YAML text, ending with a line break.
std::string JsonToYaml(const nlohmann::json& value, std::span<const std::string> key_order = {});

}  // namespace datasync::app
