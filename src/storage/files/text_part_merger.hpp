// TextPartMerger: compaction for the line-oriented text formats (CSV, also gzip or zstd compressed, and
// JSON Lines). A merged file is the head of its first input (a byte-order mark and the CSV header row, when
// the format writes them) followed by each unit's rows, byte for byte as the unit's part file held them;
// nothing is parsed beyond finding where the head ends and counting records. Compressed, the head and each
// unit are a gzip member or zstd frame of their own, which every reader reads as one text.
//
// A text file has no place for metadata that readers would skip, so a merged file's unit list lives beside
// it, in the hidden file ".<name>.units" (UnitListPath): a first line "datasync-units 1 <head bytes> <file
// bytes>", then one "<bytes>\t<rows>\t<unit>\t<source identity>" line per unit in file order. Publish writes
// the list durably before the merged file gets its name, and Remove deletes the file before its list, so a
// merged file never exists without its list (a list without its file is a crash's leftover, which
// DatasetFolder sweeps). A merged file is never changed in place: dropping a unit writes a new one.
// Stateless after construction; thread-safe.
#pragma once

#include <filesystem>
#include <string>

#include "storage/files/compression.hpp"
#include "storage/files/part_merger.hpp"

namespace datasync::storage::files {

// ".<name>.units" next to a merged text file.
std::filesystem::path UnitListPath(const std::filesystem::path& file);

class TextPartMerger final : public PartMerger {
 public:
  struct Layout {
    bool bom = false;      // files may start with a UTF-8 byte-order mark
    bool header = false;   // the first record is a header row (CSV)
    bool csv = false;      // records are RFC 4180 (quoted fields may hold line breaks); else one per line
    char delimiter = ',';  // CSV: how a headerless file's layout (its field count) is told
    // Compressed files (whole-file gzip or zstd, compression.hpp): the head and each unit's rows become
    // members (frames) of their own, so a unit is still a byte range that is copied without decompressing.
    Compression compression = Compression::kNone;
  };
  explicit TextPartMerger(Layout layout) : layout_(layout) {}

  core::Result<std::vector<Member>> Members(const std::filesystem::path& file) const override;
  core::Result<std::string> LayoutKey(const std::filesystem::path& file) const override;
  core::Result<Output> Merge(const std::vector<Input>& inputs, const std::filesystem::path& out) const override;
  core::Status Publish(const std::filesystem::path& tmp, const std::filesystem::path& final,
                       const Output& merged) const override;
  core::Status Remove(const std::filesystem::path& file) const override;
  bool RewritesInPlace() const override { return false; }

 private:
  // Bytes of `data` that precede the first row: the byte-order mark and the header record.
  size_t HeadLength(std::string_view data) const;
  // Records in `body` (CSV: line breaks outside quotes; JSON Lines: lines).
  int64_t CountRecords(std::string_view body) const;

  Layout layout_;
};

}  // namespace datasync::storage::files
