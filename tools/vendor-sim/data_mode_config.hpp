// The data modes' runtime settings (`revisions`, `holes`, `bad_rows`; see data_modes.hpp) as
// POST /_sim/config reads them and GET /_sim/config shows them. Each is a JSON list of rule objects; posting
// one replaces that whole list, and `[]` turns the mode off. Pure functions, thread-safe.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>

#include "data_modes.hpp"
#include "json_writer.hpp"

namespace datasync::vendorsim {

// The settings' names, in the order GET /_sim/config shows them.
inline constexpr std::string_view kDataModeKeys[] = {"revisions", "holes", "bad_rows"};

bool IsDataModeKey(std::string_view key);

// Replaces the list `key` names with the rules in `value`. On an invalid rule returns false, leaves `modes`
// as it was and sets `error` to a message naming the setting, the rule's index and key, and what is
// expected ("'revisions[0].fields': 'name' is not a numeric field of daily (numeric fields: open, …)").
bool ReadDataModeSetting(std::string_view key, const nlohmann::json& value, DataModes& modes, std::string& error);

// The list `key` names, every rule with all its keys (null = unbounded or at once, [] = every code), so
// the output posts back as the same rules. Dates as YYYYMMDD, `after` as Asia/Shanghai ISO-8601 time.
void WriteDataModeSetting(JsonWriter& w, std::string_view key, const DataModes& modes);

}  // namespace datasync::vendorsim
