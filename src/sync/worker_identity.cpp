#include "sync/worker_identity.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace datasync::sync {

std::string WorkerIdentity::Name() const {
  return std::to_string(pid) + "@" + host;
}

const WorkerIdentity& WorkerIdentity::ThisProcess() {
  static const WorkerIdentity self = [] {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    return WorkerIdentity{host, static_cast<int64_t>(::getpid())};
  }();
  return self;
}

std::optional<WorkerIdentity> WorkerIdentity::Parse(std::string_view name) {
  size_t at = name.find('@');
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  int64_t pid = 0;
  auto [end, ec] = std::from_chars(name.data(), name.data() + at, pid);
  if (ec != std::errc() || end != name.data() + at || pid <= 0) return std::nullopt;
  return WorkerIdentity{std::string(name.substr(at + 1)), pid};
}

bool ProcessAlive(int64_t pid) {
  if (pid <= 0) return false;
  // EPERM: the process exists but belongs to another user.
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

}  // namespace datasync::sync
