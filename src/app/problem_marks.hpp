// Where a plugin's option problem (core::OptionProblem) lies in datasync.yaml, so that config loading
// reports it at the offending value rather than at its section. Pure; thread-safe.
#pragma once

#include <yaml-cpp/yaml.h>

#include <string_view>

#include "core/options.hpp"

namespace datasync::app {

// The mark of the value of `problem.key` inside mapping `map` (a dotted key such as "headers.X-Token"
// walks into nested mappings, "error_rules[2].class" into a list's entry), moved to `problem.fragment` when that text
// appears on the value's first line of `text` (the file being loaded) at or after the value's start; `fallback` when
// the key is not written in `map` (a default, or a key reported as missing already).
YAML::Mark ProblemMark(const YAML::Node& map, const core::OptionProblem& problem, const YAML::Mark& fallback,
                       std::string_view text);

}  // namespace datasync::app
