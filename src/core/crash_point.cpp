#include "core/crash_point.hpp"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace datasync::core {
namespace {

struct Armed {
  std::string name;  // "kind" or "kind:detail"
  int64_t hit = 1;   // die on this hit
  std::atomic<int64_t> seen{0};
};

Armed* Load() {
#ifdef DATASYNC_TEST_HOOKS
  const char* env = std::getenv("DATASYNC_CRASH_AT");
  if (env == nullptr || *env == '\0') return nullptr;
  auto* a = new Armed;
  std::string text = env;
  if (auto at = text.rfind('@'); at != std::string::npos) {
    a->hit = std::max<int64_t>(1, std::atoll(text.c_str() + at + 1));
    text.resize(at);
  }
  a->name = text;
  return a;
#else
  return nullptr;
#endif
}

Armed* Point() {
  static Armed* armed = Load();
  return armed;
}

}  // namespace

bool CrashPointsArmed() {
  return Point() != nullptr;
}

void CrashPointSlow(std::string_view kind, std::string_view detail) {
  Armed* a = Point();
  if (!a) return;
  std::string_view name = a->name;
  bool match = name == kind;
  if (!match && !detail.empty() && name.size() == kind.size() + 1 + detail.size()) {
    match = name.starts_with(kind) && name[kind.size()] == ':' && name.ends_with(detail);
  }
  if (!match || a->seen.fetch_add(1) + 1 != a->hit) return;
  std::string msg = "datasync: crash point ";
  msg.append(kind);
  if (!detail.empty()) msg.append(":").append(detail);
  msg += " reached (DATASYNC_CRASH_AT); killing the process\n";
  (void)!::write(2, msg.data(), msg.size());
  ::raise(SIGKILL);
}

}  // namespace datasync::core
