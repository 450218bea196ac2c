// How a Nasdaq Data Link request is narrowed after TRUNCATED (QELx06-08: too many rows, too long, too
// large): a table request halves its first `col.gte`/`col.lte` window, else its first filter that lists
// several values (ticker=A,B,C); a time-series request halves its start_date/end_date window. A page
// inside a cursor chain is never narrowed: the chain's earlier pages are stored, and halves of the whole
// query would store them again (it fails instead). Paging is cursor_chain.hpp's.
//
// Pure; thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "datasource/nasdaq/request_builder.hpp"
#include "datasource/provider.hpp"

namespace datasync::datasource::nasdaq {

std::optional<std::vector<Params>> SplitRequest(const NdlApi& api, const Params& params);

}  // namespace datasync::datasource::nasdaq
