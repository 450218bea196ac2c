// ConfigWatcher: tells the daemon when datasync.yaml changed on disk (its modification time or size), so
// that it reads and applies the file again. It only watches; what a change means (the scheduler's plans,
// the alert channels) is the daemon's.
//
// Lifecycle: construct with the file; Note() once the file was read at start; Changed() every tick.
// Thread-safety: one thread (the daemon's loop).
#pragma once

#include <cstdint>
#include <filesystem>

namespace datasync::app {

class ConfigWatcher {
 public:
  explicit ConfigWatcher(std::filesystem::path file) : file_(std::move(file)) {}

  // Remembers the file as it is now.
  void Note();
  // True once per change since the last Note or Changed; false while the file cannot be read.
  bool Changed();

 private:
  std::filesystem::path file_;
  std::filesystem::file_time_type mtime_{};
  uintmax_t size_ = 0;
};

}  // namespace datasync::app
