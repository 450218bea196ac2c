// Splitter: narrows a request whose response hit the vendor's row cap (ARCHITECTURE §5, TRUNCATED), so
// no truncated result is ever kept. Tries, in order: halve a start_date/end_date window; halve a
// comma-separated list (ts_code=a,b,c,...). Pure.
#pragma once

#include <optional>
#include <vector>

#include "datasource/provider.hpp"

namespace datasync::sync {

// Two or more narrower parameter sets that together cover `params`, or nullopt when the request cannot
// be narrowed (a single day for a single code).
std::optional<std::vector<datasource::Params>> SplitParams(const datasource::Params& params);

}  // namespace datasync::sync
