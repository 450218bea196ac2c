// SqlTemplate: the small text templates a storage renders its DDL and migration statements from, so a
// user can override them per storage (their own ENGINE, PARTITION BY, ORDER BY, table naming).
//
// Syntax: {name} is replaced by the variable's value (identifiers arrive already quoted for the dialect);
// {{ and }} are literal braces. A template that names an unknown variable is a configuration error that
// lists the variables it may use, found when the storage is bound, not when the statement runs.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace datasync::storage::sql {

using TemplateVars = std::vector<std::pair<std::string, std::string>>;

// `where` names the template in messages ("storage 'ch' option create_table_template"); when empty, messages
// start at what is wrong.
core::Result<std::string> RenderTemplate(std::string_view tmpl, const TemplateVars& vars, std::string_view where);

// Checks a template against the variable names it may use, without values.
core::Status CheckTemplate(std::string_view tmpl, const std::vector<std::string>& names, std::string_view where);

}  // namespace datasync::storage::sql
