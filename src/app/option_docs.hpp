// Renders the option tables of providers and sinks (CONVENTIONS "Configuration": one table drives parsing,
// validation, docs and forms). `datasync plugins --markdown` prints these, and the docs pages under
// docs/providers and docs/storage embed them verbatim (a test keeps them in sync).
#pragma once

#include <span>
#include <string>

#include "core/options.hpp"

namespace datasync::app {

// A Markdown table: | key | type | default | required | unit | description |.
std::string OptionTableMarkdown(std::span<const core::OptionSpec> specs);
// The type as a user writes it: "integer", "one of: a, b", ...
std::string OptionTypeText(const core::OptionSpec& spec);

}  // namespace datasync::app
