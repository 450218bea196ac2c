// Compaction: an operation a sink may offer on the data it stored (SinkInfo::compact, `datasync compact`).
// File sinks merge the small part files of a dataset's partition folders into one; a sink without the
// operation leaves SinkInfo::compact empty. Plain data; the operation's own header says how it locks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace datasync::storage {

struct CompactOptions {
  std::string partition;  // "KEY=VALUE" of one partition folder; empty: every folder of the dataset
  // Parts below this size are merged; nullopt: the storage's own threshold (parquet's compact_below_bytes).
  std::optional<int64_t> small_part_bytes;
  bool dry_run = false;
  // After a run (not `datasync compact`): only folders with at least the storage's own `compact_at_parts`
  // small parts of one layout are merged, and a storage without that threshold (or with 0) is left alone.
  bool automatic = false;
};

struct CompactedFolder {
  std::string folder;               // "" for the dataset folder itself, else "key=value"
  std::vector<std::string> inputs;  // file names merged
  std::string output;               // the merged file's name
  int64_t bytes_before = 0;
  int64_t bytes_after = 0;  // 0 in a dry run
  int64_t rows = 0;         // 0 in a dry run
};

struct CompactReport {
  std::vector<CompactedFolder> merged;
  int64_t folders_scanned = 0;
  int64_t units_repaired = 0;  // units dropped from compacted files because they have their own part file
};

}  // namespace datasync::storage
