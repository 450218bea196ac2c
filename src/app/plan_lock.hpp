// PlanLock: an exclusive, process-wide lock on one plan (flock on .datasync/locks/<plan>.lock), so two
// datasync processes never execute the same plan's run at once. Released when the object dies or the
// process exits (the kernel drops flock locks of a killed process, so a crash never leaves it stuck).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace datasync::app {

class PlanLock {
 public:
  static core::Result<std::unique_ptr<PlanLock>> Acquire(const std::filesystem::path& locks_dir,
                                                         const std::string& plan);
  ~PlanLock();
  PlanLock(const PlanLock&) = delete;
  PlanLock& operator=(const PlanLock&) = delete;

 private:
  explicit PlanLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace datasync::app
