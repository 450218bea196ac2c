// DatasetLock: a lock on one file dataset (flock on ROOT/.<dataset>.lock, next to the dataset's folder so
// that mode replace can swap the folder without losing it). The kernel drops it when the process dies, so
// a crash never leaves it stuck.
// - Sinks that add or rewrite their own units hold it shared from Migrate until Close: plans that write
//   the same dataset at once (parallel plans, two processes) write different part files and coexist.
//   A sink that gets it exclusively at first (nobody else writing) sweeps what crashed runs left (temp
//   files, half-finished compactions) and then shares it.
// - Mode replace (which swaps the whole folder) and compaction (which merges other sinks' part files) hold
//   it exclusively.
// A second lock file, ROOT/.<dataset>.merge.lock, serialises rewrites of merged (compacted) files by
// sinks that share the first one. Move-only; one thread uses it.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace datasync::storage::files {

class DatasetLock {
 public:
  enum class Mode : uint8_t { kShared, kExclusive };

  // Waits up to `wait` (polling), then fails with kTransient saying the dataset is in use.
  // `name` picks the lock file: ROOT/.<safe_dataset>.<name>.
  static core::Result<std::unique_ptr<DatasetLock>> Acquire(const std::filesystem::path& root,
                                                            const std::string& safe_dataset, Mode mode,
                                                            std::chrono::milliseconds wait,
                                                            const std::string& name = "lock");
  ~DatasetLock();
  DatasetLock(const DatasetLock&) = delete;
  DatasetLock& operator=(const DatasetLock&) = delete;

  Mode mode() const { return mode_; }
  // Exclusive -> shared, so that other writers may join. flock converts by dropping and re-taking, so a
  // compaction waiting for the exclusive lock may slip in between; this then waits for it like Acquire.
  core::Status Share(std::chrono::milliseconds wait);

 private:
  DatasetLock(int fd, Mode mode, std::filesystem::path path) : fd_(fd), mode_(mode), path_(std::move(path)) {}
  int fd_;
  Mode mode_;
  std::filesystem::path path_;
};

}  // namespace datasync::storage::files
