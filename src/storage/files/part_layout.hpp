// The names a file sink gives the files in a dataset's folders: plain part files `part-<unit>.<ext>`,
// compacted files `part-compact-<hash>.<ext>`, and temps `.<final name>.tmp` next to their final name
// (readers skip names starting with '.' or '_'). Constants only.
#pragma once

#include <string_view>

namespace datasync::storage::files {

inline constexpr std::string_view kPartPrefix = "part-";
inline constexpr std::string_view kCompactedPrefix = "part-compact-";
inline constexpr std::string_view kTempPrefix = ".part-";
inline constexpr std::string_view kTempSuffix = ".tmp";

}  // namespace datasync::storage::files
