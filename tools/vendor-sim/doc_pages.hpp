// The simulator's documentation pages, in the structure of the real Tushare doc site
// (https://tushare.pro/document/2?doc_id=N, see ../shared/fixtures/tushare_docs/): a sidebar tree and a
// content div with the intro lines, the input table and the output table of one dataset. The fields come
// from DataApis (the same names and order the data endpoint serves); each page uses other variants of the
// real site (3- or 4-column output tables, <br> or <br/>, 接口名称/接口参数, inline markup, an extra
// table after the fields, 二选一 notes, None types), so an importer is tested against all of them.
// With the schema change on, the daily page lists vwap and trade_cal's is_open is documented as float.
// Pure functions of their arguments; thread-safe.
#pragma once

#include <optional>
#include <string>

namespace datasync::vendorsim {

// The page for `doc_id` (the index page when absent); nullopt for an unknown doc_id.
std::optional<std::string> RenderDocPage(std::optional<int> doc_id, bool schema_change);

}  // namespace datasync::vendorsim
