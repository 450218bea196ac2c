#include "storage/files/dataset_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "storage/files/fs_util.hpp"

namespace datasync::storage::files {

namespace {

// Polls flock(op | LOCK_NB) until it succeeds or `wait` has passed; false on timeout, errno set otherwise.
core::Result<bool> LockWithin(int fd, int op, std::chrono::milliseconds wait, const std::filesystem::path& path) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    if (::flock(fd, op | LOCK_NB) == 0) return true;
    if (errno != EWOULDBLOCK && errno != EINTR) return core::Fail(IoError("cannot lock", path, errno));
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

core::Error InUse(const std::filesystem::path& path, int fd) {
  // Exclusive holders write their pid; a shared holder may have overwritten nothing, so it is a hint.
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
  return core::Error(core::ErrorKind::kTransient,
                     "dataset lock '" + path.string() + "' is held by another datasync process" +
                         (holder.empty() ? std::string() : " (last exclusive holder: pid " + holder + ")") +
                         ": a compaction or a mode-replace run excludes syncs of the dataset, and a sync excludes "
                         "them; try again when it is done");
}

}  // namespace

core::Result<std::unique_ptr<DatasetLock>> DatasetLock::Acquire(const std::filesystem::path& root,
                                                                const std::string& safe_dataset, Mode mode,
                                                                std::chrono::milliseconds wait,
                                                                const std::string& name) {
  if (auto st = EnsureDirectory(root); !st) return core::Fail(st.error());
  std::filesystem::path path = root / ("." + safe_dataset + "." + name);
  int fd;
  do {
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) return core::Fail(IoError("cannot open the dataset lock", path, errno));
  auto got = LockWithin(fd, mode == Mode::kExclusive ? LOCK_EX : LOCK_SH, wait, path);
  if (!got || !*got) {
    core::Error e = got ? InUse(path, fd) : got.error();
    ::close(fd);
    return core::Fail(std::move(e));
  }
  if (mode == Mode::kExclusive) {
    std::string pid = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) (void)!::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return std::unique_ptr<DatasetLock>(new DatasetLock(fd, mode, std::move(path)));
}

core::Status DatasetLock::Share(std::chrono::milliseconds wait) {
  if (mode_ == Mode::kShared) return core::Ok();
  auto got = LockWithin(fd_, LOCK_SH, wait, path_);
  if (!got) return core::Fail(got.error());
  if (!*got) return core::Fail(InUse(path_, fd_));
  mode_ = Mode::kShared;
  return core::Ok();
}

DatasetLock::~DatasetLock() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace datasync::storage::files
