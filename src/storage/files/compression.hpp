// Whole-file compression for the text formats (CSV): a RowFormatWriter decorator that compresses
// whatever the wrapped writer produces into one gzip member (RFC 1952, zlib) or one zstd frame, streamed,
// so memory stays at a few hundred KiB however large the part file grows. DuckDB, pandas and polars read
// .csv.gz and .csv.zst directly. Each writer is used by one thread.
#pragma once

#include <memory>
#include <string_view>

#include "core/error.hpp"
#include "storage/files/row_format.hpp"

namespace datasync::storage::files {

enum class Compression : uint8_t { kNone, kGzip, kZstd };

// "none", "gzip" (or "gz"), "zstd" (or "zst"); kConfig otherwise.
core::Result<Compression> ParseCompression(std::string_view name);
std::string_view CompressionName(Compression c);    // "none", "gzip", "zstd"
std::string_view CompressionSuffix(Compression c);  // "", ".gz", ".zst"

// `inner` unchanged for kNone.
std::unique_ptr<RowFormatWriter> CompressWriter(std::unique_ptr<RowFormatWriter> inner, Compression c);

// `plain` as one gzip member or one zstd frame, with the settings CompressWriter uses (kNone: unchanged).
// Members and frames concatenate: every reader decompresses the concatenation as the concatenated text.
core::Result<std::string> CompressWhole(std::string_view plain, Compression c);
// The text of every gzip member or zstd frame in `data`, one after another; kPermanent naming `what` when
// the data is not such a stream or ends inside a member (kNone: unchanged).
core::Result<std::string> DecompressWhole(std::string_view data, Compression c, std::string_view what);

}  // namespace datasync::storage::files
