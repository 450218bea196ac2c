// The names a file sink gives the files in a dataset's folders: plain part files `part-<unit>.<ext>`,
// compacted files `part-compact-<hash>.<ext>` (text formats: with their unit list `.<name>.units` beside
// them), and temps `.<final name>.tmp` next to their final name (readers skip names starting with '.' or
// '_'). Constants only.
#pragma once

#include <string_view>

namespace datasync::storage::files {

inline constexpr std::string_view kPartPrefix = "part-";
inline constexpr std::string_view kCompactedPrefix = "part-compact-";
inline constexpr std::string_view kTempPrefix = ".part-";
inline constexpr std::string_view kTempSuffix = ".tmp";
// `.<merged file's name>.units`: the unit list of a merged text file (text_part_merger.hpp).
inline constexpr std::string_view kUnitListSuffix = ".units";

}  // namespace datasync::storage::files
