#include "storage/files/dataset_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "storage/files/fs_util.hpp"

namespace datasync::storage::files {

core::Result<std::unique_ptr<DatasetLock>> DatasetLock::Acquire(const std::filesystem::path& root,
                                                                const std::string& safe_dataset,
                                                                std::chrono::milliseconds wait) {
  if (auto st = EnsureDirectory(root); !st) return core::Fail(st.error());
  std::filesystem::path path = root / ("." + safe_dataset + ".lock");
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return core::Fail(IoError("cannot open the dataset lock", path, errno));
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) break;
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      ::close(fd);
      return core::Fail(IoError("cannot lock", path, err));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      char buf[32] = {};
      ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
      ::close(fd);
      std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "?";
      while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
      return core::Fail(core::ErrorKind::kTransient,
                        "dataset folder '" + (root / safe_dataset).string() + "' is in use by pid " + holder +
                            " (a sync writing it, or a compaction); try again when it is done");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  return std::unique_ptr<DatasetLock>(new DatasetLock(fd));
}

DatasetLock::~DatasetLock() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace datasync::storage::files
