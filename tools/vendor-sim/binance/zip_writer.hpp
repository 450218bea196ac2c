// A minimal ZIP archive writer for the Binance bulk files: one stored-with-deflate entry (method 8, raw
// deflate by zlib), its local file header, the central directory and the end-of-central-directory record,
// as APPNOTE.TXT (https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT) §4.3 lays them out. No
// data descriptor (sizes and CRC are known before the header is written), no ZIP64 (entries and archives
// stay far below 4 GiB), no extra fields. The output is a pure function of the arguments: the same name,
// data and time always give the same bytes (fixed deflate level, zlib's deterministic output).
// Pure function, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace datasync::vendorsim::binance {

// A ZIP archive holding exactly one file `name` with contents `data`, its modification time `mtime_secs`
// (epoch seconds, UTC; stored in MS-DOS form at 2-second resolution, clamped to 1980…2107).
std::string ZipOneFile(std::string_view name, std::string_view data, int64_t mtime_secs);

}  // namespace datasync::vendorsim::binance
