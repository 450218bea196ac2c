// Comma-separated lists as Tushare and our flags use them ("600000.SH,000001.SZ", "a,b"): items are
// trimmed of spaces and tabs, empty items are dropped. Pure function, thread-safe; the views point into
// the argument.
#pragma once

#include <string_view>
#include <vector>

namespace datasync::vendorsim {

std::vector<std::string_view> SplitCommaList(std::string_view text);

}  // namespace datasync::vendorsim
