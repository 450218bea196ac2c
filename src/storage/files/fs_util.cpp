#include "storage/files/fs_util.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

namespace datasync::storage::files {

using core::ErrorKind;
using core::Fail;
using core::Status;

core::Error IoError(std::string_view what, const fs::path& path, int err) {
  ErrorKind kind = ErrorKind::kPermanent;
  switch (err) {
    case ENOSPC:
    case EDQUOT:
    case EIO:
    case EAGAIN:
    case EINTR:
    case EBUSY:
    case ENOMEM:
    case EMFILE:
    case ENFILE: kind = ErrorKind::kTransient; break;
    case EACCES:
    case EPERM:
    case EROFS: kind = ErrorKind::kPermission; break;
    default: break;
  }
  std::string message = std::string(what) + " '" + path.string() + "': " + std::strerror(err);
  if (kind == ErrorKind::kPermission) message += " (check the storage's path and the folder's permissions)";
  if (err == ENOSPC || err == EDQUOT) message += " (free disk space; the task will be retried)";
  core::Error e(kind, std::move(message));
  e.WithCode(std::string("errno ") + std::to_string(err));
  return e;
}

namespace {

// Runs a system call again while a signal interrupts it.
template <class F>
auto Retry(F f) {
  decltype(f()) rc;
  do {
    rc = f();
  } while (rc == -1 && errno == EINTR);
  return rc;
}

}  // namespace

Status SyncPath(const fs::path& path) {
  int fd = Retry([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); });
  if (fd < 0) return Fail(IoError("cannot open for fsync", path, errno));
  int rc = Retry([&] { return ::fsync(fd); });
  int err = errno;
  ::close(fd);
  if (rc != 0) return Fail(IoError("fsync failed on", path, err));
  return core::Ok();
}

Status EnsureDirectory(const fs::path& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return core::Ok();
    return Fail(ErrorKind::kConfig, "'" + dir.string() + "' exists but is not a folder");
  }
  // Create from the outermost missing ancestor inwards, remembering what we created.
  std::vector<fs::path> missing;
  for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
    if (::stat(p.c_str(), &st) == 0) break;
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0755) != 0 && errno != EEXIST) {
      return Fail(IoError("cannot create folder", *it, errno));
    }
    fs::path parent = it->parent_path();
    if (parent.empty()) parent = ".";
    if (auto s = SyncPath(parent); !s) return s;
  }
  return core::Ok();
}

Status WriteAll(int fd, std::string_view bytes, const fs::path& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = Retry([&] { return ::write(fd, bytes.data() + done, bytes.size() - done); });
    if (n < 0) return Fail(IoError("cannot write", path, errno));
    done += static_cast<size_t>(n);
  }
  return core::Ok();
}

Status WriteFileAtomically(const fs::path& path, std::string_view bytes) {
  fs::path tmp = path;
  tmp.replace_filename("." + path.filename().string() + ".tmp");
  int fd = Retry([&] { return ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644); });
  if (fd < 0) return Fail(IoError("cannot create", tmp, errno));
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = Retry([&] { return ::write(fd, bytes.data() + done, bytes.size() - done); });
    if (n < 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Fail(IoError("cannot write", tmp, err));
    }
    done += static_cast<size_t>(n);
  }
  if (Retry([&] { return ::fsync(fd); }) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Fail(IoError("fsync failed on", tmp, err));
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Fail(IoError("cannot rename into place", path, err));
  }
  fs::path parent = path.parent_path();
  return SyncPath(parent.empty() ? fs::path(".") : parent);
}

core::Result<std::string> ReadWholeFile(const fs::path& path) {
  int fd = Retry([&] { return ::open(path.c_str(), O_RDONLY | O_CLOEXEC); });
  if (fd < 0) return Fail(IoError("cannot open", path, errno));
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = Retry([&] { return ::read(fd, buf, sizeof buf); });
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Fail(IoError("cannot read", path, err));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

UniqueFd::~UniqueFd() {
  if (fd_ >= 0) ::close(fd_);
}

UniqueFd& UniqueFd::operator=(UniqueFd&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

Status ReadAt(int fd, char* dst, size_t n, int64_t at, const fs::path& path) {
  size_t done = 0;
  while (done < n) {
    ssize_t r = ::pread(fd, dst + done, n - done, static_cast<off_t>(at + static_cast<int64_t>(done)));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Fail(IoError("cannot read", path, errno));
    if (r == 0) return Fail(ErrorKind::kPermanent, "'" + path.string() + "' ends early (a truncated file?)");
    done += static_cast<size_t>(r);
  }
  return core::Ok();
}

core::Result<bool> ExchangePaths(const fs::path& a, const fs::path& b) {
  if (::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE) == 0) return true;
  int err = errno;
  // Older kernels and some file systems (network and FUSE ones) cannot exchange atomically.
  if (err == EINVAL || err == ENOSYS || err == ENOTSUP) return false;
  return Fail(IoError("cannot swap '" + a.string() + "' with", b, err));
}

bool PathExists(const fs::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

Status RemoveFileIfExists(const fs::path& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return core::Ok();
  return Fail(IoError("cannot remove", path, errno));
}

Status RemoveTree(const fs::path& path) {
  std::error_code ec;
  fs::remove_all(path, ec);
  if (ec) return Fail(IoError("cannot remove folder", path, ec.value()));
  return core::Ok();
}

}  // namespace datasync::storage::files
