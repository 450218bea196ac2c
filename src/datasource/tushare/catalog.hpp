// The Tushare datasets datasync knows without a doc import: their parameters, typed output fields,
// keys and row caps, as the vendor documents them (https://tushare.pro/document/2?doc_id=N).
//
// Field names, order and types here are the wire contract with the project's Tushare simulator and
// with every storage's tables; change them only together with a schema version bump.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "datasource/dataset.hpp"

namespace datasync::datasource::tushare {

// trade_cal, stock_basic, daily, adj_factor, daily_basic, bound to the source named `source_name`.
std::vector<Dataset> BuiltinDatasets(const std::string& source_name);

}  // namespace datasync::datasource::tushare
