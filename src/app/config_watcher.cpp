#include "app/config_watcher.hpp"

namespace datasync::app {

void ConfigWatcher::Note() {
  std::error_code ec;
  mtime_ = std::filesystem::last_write_time(file_, ec);
  size_ = std::filesystem::file_size(file_, ec);
}

bool ConfigWatcher::Changed() {
  std::error_code ec;
  auto mtime = std::filesystem::last_write_time(file_, ec);
  if (ec) return false;
  auto size = std::filesystem::file_size(file_, ec);
  if (ec || (mtime == mtime_ && size == size_)) return false;
  mtime_ = mtime;
  size_ = size;
  return true;
}

}  // namespace datasync::app
