// ParquetMerger: merges Parquet part files that datasync wrote by copying their row groups byte for byte
// and writing a new footer with shifted offsets; nothing is decoded or recompressed, so compaction costs
// about one sequential copy. A merged file lists its units in the footer's key_value_metadata under
// "datasync.units" (one "<row groups>\t<unit>\t<source identity>" line per unit, in row-group order; unit
// names are SafeFileName output, which never holds a tab), which is how a later
// rewrite of one unit can drop exactly that unit's row groups. Only files whose created_by is datasync's
// and whose schemas are identical are merged. Stateless; thread-safe.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "storage/files/part_merger.hpp"
#include "storage/parquet/parquet_metadata.hpp"

namespace datasync::storage::parquet {

// One unit of a compacted file: how many row groups, in file order, hold its rows.
struct CompactedUnit {
  int64_t row_groups = 0;
  files::PartMerger::Member member;
};
// The units a compacted file's footer lists, in row-group order; empty for a plain part file. kPermanent
// naming `path` when the list is malformed or does not add up to the file's row groups.
core::Result<std::vector<CompactedUnit>> CompactedUnits(const FileMetaData& meta, const std::filesystem::path& path);

class ParquetMerger final : public files::PartMerger {
 public:
  core::Result<std::vector<Member>> Members(const std::filesystem::path& file) const override;
  core::Result<std::string> LayoutKey(const std::filesystem::path& file) const override;
  core::Result<Output> Merge(const std::vector<Input>& inputs, const std::filesystem::path& out) const override;
};

}  // namespace datasync::storage::parquet
