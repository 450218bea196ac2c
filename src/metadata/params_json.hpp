// The stored form of a task's request parameters: a JSON array of [name, value] pairs in request order,
// `[["trade_date","20240102"],["ts_code","000001.SZ"]]`. An array of pairs rather than an object because
// order matters to some vendors and names may repeat. Shared by every system database backend.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "datasource/provider.hpp"

namespace datasync::metadata {

// Fails (kInvalidInput) when a name or value is not valid UTF-8, which JSON text cannot carry.
core::Result<std::string> EncodeParamsJson(const datasource::Params& params);

// Fails (kInternal) on anything but an array of two-string arrays.
core::Result<datasource::Params> DecodeParamsJson(std::string_view json);

}  // namespace datasync::metadata
