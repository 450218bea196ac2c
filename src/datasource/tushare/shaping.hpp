// How Tushare requests are paged and narrowed (datasource/request_shaping.hpp): APIs whose dataset says
// `paging: offset` (stock_basic...) page with the `offset` param, the vendor's page size being its row
// cap; a truncated request is narrowed by halving its start_date/end_date window first, then the first
// comma-separated list among its params (ts_code=a,b,c).
//
// Pure; the returned shapings are immutable statics, safe to share between threads.
#pragma once

#include "datasource/dataset.hpp"
#include "datasource/request_shaping.hpp"

namespace datasync::datasource::tushare {

const RequestShaping& ShapingFor(const Dataset& dataset);

}  // namespace datasync::datasource::tushare
