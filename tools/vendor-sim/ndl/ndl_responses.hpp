// The bodies of the Nasdaq Data Link simulator's successful answers: a Tables API page (with its cursor),
// a datatable's metadata, a time series (QTS) and a dataset's metadata. Each either fills `body` or
// returns the vendor error for a bad request. Thread-safe (state is internally synchronised).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ndl/ndl_errors.hpp"
#include "ndl/ndl_query.hpp"

namespace datasync::vendorsim::ndl {

class NdlState;
class NdlUniverse;
struct TableSpec;

// The time-series database whose codes are the universe's tickers.
inline constexpr const char* kSeriesDatabase = "QTS";

// `max_rows` > 0 refuses a first page whose query matches more rows (QELx06).
std::optional<NdlError> DatatablePage(NdlState& state, const TableSpec& table, const std::vector<Param>& params,
                                      int64_t now_ms, int64_t cursor_ttl_ms, int64_t max_rows, std::string& body);
std::string DatatableMetadata(const TableSpec& table);

std::optional<NdlError> DatasetData(const NdlUniverse& universe, size_t ticker, const std::vector<Param>& params,
                                    std::string& body);
std::string DatasetMetadata(const NdlUniverse& universe, size_t ticker);

}  // namespace datasync::vendorsim::ndl
