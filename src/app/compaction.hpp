// Compaction of file storages (`datasync compact`): merges the small part files of each partition of a
// dataset into one, so readers open a few files instead of one per task. The storage and dataset
// definitions come from datasync.yaml; the work is the sink's SinkInfo::compact (for file sinks
// FileSink::Compact), which holds the dataset's lock
// exclusively for its whole run, so a sync that writes the same dataset either waits (up to 30 s, then
// fails its Migrate with a retryable error) or holds the lock (shared) itself and the compaction fails
// fast. Nothing is lost or duplicated either way (files/file_sink.hpp explains how rewritten units leave
// merged files).
// Stateless functions; call from one thread.
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"
#include "storage/compaction.hpp"

namespace datasync::app {

class App;

struct CompactRequest {
  std::string storage;
  std::string dataset;    // empty: every dataset of the config that has a folder in the storage
  std::string partition;  // "KEY=VALUE" or empty
  bool dry_run = false;
  bool automatic = false;  // after a run: storages without compaction, or below their threshold, are skipped
};

struct DatasetCompaction {
  std::string dataset;
  storage::CompactReport report;
};

core::Result<std::vector<DatasetCompaction>> CompactStorage(App& app, const CompactRequest& request);

// After a run wrote `dataset` into `storages`: compacts the partitions of file storages that reached their own
// threshold (parquet's compact_at_parts). One line per storage compacted; a storage that could not be is
// logged as a warning (its data is complete either way, and the next run or `datasync compact` tries again).
std::vector<std::string> CompactAfterRun(App& app, const std::vector<std::string>& storages,
                                         const std::string& dataset);

}  // namespace datasync::app
