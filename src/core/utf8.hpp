// Where text stops being UTF-8: for messages that point at the bad byte (config files at line:column).
// IsValidUtf8 and RepairUtf8 are in core/strings.hpp.
#pragma once

#include <cstddef>
#include <string_view>

namespace datasync::core {

// The offset of the first byte of s that does not belong to a valid UTF-8 sequence, npos if there is none.
size_t FirstInvalidUtf8(std::string_view s);

}  // namespace datasync::core
