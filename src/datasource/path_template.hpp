// A URL path with {param} placeholders (a rest dataset's `path`, an http_file dataset's file path), filled
// from a request's params. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "datasource/provider.hpp"

namespace datasync::datasource {

// `tpl` with each {name} replaced by the percent-encoded value of the param `name`; the names used are
// appended to `used` when given. kInvalidInput when a placeholder has no param (naming it and the path).
core::Result<std::string> FillPathTemplate(std::string_view tpl, const Params& params,
                                           std::vector<std::string>* used = nullptr);

// The placeholders' names, in order; a '{' without its '}' is reported in `problem` (empty when none).
std::vector<std::string> PathPlaceholders(std::string_view tpl, std::string* problem = nullptr);

}  // namespace datasync::datasource
