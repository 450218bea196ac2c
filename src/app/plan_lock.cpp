#include "app/plan_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace datasync::app {

core::Result<std::unique_ptr<PlanLock>> PlanLock::Acquire(const std::filesystem::path& locks_dir,
                                                          const std::string& plan) {
  std::error_code ec;
  std::filesystem::create_directories(locks_dir, ec);
  std::filesystem::path path = locks_dir / (plan + ".lock");
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return core::Fail(core::ErrorKind::kConfig, "cannot open lock file " + path.string() + ": " + std::strerror(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    char buf[32] = {};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "another process";
    while (!holder.empty() && (holder.back() == '\n' || holder.back() == ' ')) holder.pop_back();
    return core::Fail(core::ErrorKind::kTransient, "plan '" + plan + "' is being run by pid " + holder +
                                                       "; wait for it to finish (or stop it) and try again");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    (void)::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return std::unique_ptr<PlanLock>(new PlanLock(fd));
}

PlanLock::~PlanLock() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace datasync::app
