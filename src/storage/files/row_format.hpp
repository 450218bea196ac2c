// RowFormat and RowFormatWriter: the one thing a file format has to provide to become a file sink.
//
// The file sink machinery (file_sink.hpp) owns folders, part files, temp names, fsync, renames, partitions
// and the schema sidecar; a format only turns rows into bytes. A RowFormat is built once per sink from the
// validated options; it makes one RowFormatWriter per part file. Lifecycle of a writer:
//   Begin(out) -> WriteRows(batch, rows, out)... -> End(out)
// Each call appends bytes to `out`; the sink flushes `out` to the file whenever it likes, so a writer must
// not keep pointers into it. Formats that need the whole file before writing (Parquet footers, xlsx zips)
// keep their own state and emit the bytes in End.
// Thread-safety: a writer is used by one thread; a RowFormat is immutable after construction.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/column_batch.hpp"
#include "core/error.hpp"
#include "core/schema.hpp"

namespace datasync::storage::files {

class RowFormatWriter {
 public:
  virtual ~RowFormatWriter() = default;

  // Bytes that open a file: a byte-order mark, a header row, a magic number.
  virtual core::Status Begin(std::string& out) = 0;
  // Encodes the given rows of batch (indices in ascending order), in the order given.
  virtual core::Status WriteRows(const core::ColumnBatch& batch, std::span<const uint32_t> rows, std::string& out) = 0;
  // Bytes that close a file (a footer); nothing for line-oriented text formats.
  virtual core::Status End(std::string& out) = 0;

  virtual bool WritesOwnFile() const { return false; }
  virtual core::Status BeginFile(const std::filesystem::path& temp_path);
};

class PartMerger;

class RowFormat {
 public:
  virtual ~RowFormat() = default;

  // Format name recorded in the schema sidecar ("csv") and the part files' extension ("csv").
  virtual std::string_view name() const = 0;
  virtual std::string_view extension() const = 0;
  // The settings a reader needs to parse the files back (delimiter, null marker...), as text pairs for
  // the schema sidecar.
  virtual std::vector<std::pair<std::string, std::string>> ReaderSettings() const = 0;

  virtual std::unique_ptr<RowFormatWriter> NewWriter(const core::Schema& schema) const = 0;
  // How this format's part files merge (compaction); nullptr when they cannot.
  virtual const PartMerger* merger() const { return nullptr; }
};

}  // namespace datasync::storage::files
