// DatasetLock: an exclusive lock on one file dataset (flock on ROOT/.<dataset>.lock, next to the dataset's
// folder so that mode replace can swap the folder without losing it). A file sink holds it from Migrate
// until Close, and compaction for its whole run, so compaction never interleaves with a sync writing the
// same dataset, and two syncs never write one dataset folder at once. The kernel drops the lock when the
// process dies, so a crash never leaves it stuck. Move-only; one thread uses it.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace datasync::storage::files {

class DatasetLock {
 public:
  // Waits up to `wait` (polling), then fails with kTransient naming the holder's pid and `what_for`.
  static core::Result<std::unique_ptr<DatasetLock>> Acquire(const std::filesystem::path& root,
                                                            const std::string& safe_dataset,
                                                            std::chrono::milliseconds wait);
  ~DatasetLock();
  DatasetLock(const DatasetLock&) = delete;
  DatasetLock& operator=(const DatasetLock&) = delete;

 private:
  explicit DatasetLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace datasync::storage::files
