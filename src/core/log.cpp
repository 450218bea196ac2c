#include "core/log.hpp"

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>

#include "core/delay_point.hpp"
#include "core/secrets.hpp"

namespace datasync::core {

namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
// The backend is a shared object: Log holds its own reference while it writes one line, so replacing or
// removing the backend (logging's shutdown) never destroys one a thread is writing through; that thread
// finishes its line, later lines take the new backend. Never destroyed: a thread the process left running
// may log while static destructors run.
std::atomic<std::shared_ptr<const LogBackend>>& Backend() {
  static auto* backend = new std::atomic<std::shared_ptr<const LogBackend>>();
  return *backend;
}
const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kTrace: return "trace";
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
    case LogLevel::kOff: return "off";
  }
  return "?";
}
}  // namespace

void SetLogBackend(LogBackend backend) {
  Backend().store(backend ? std::make_shared<const LogBackend>(std::move(backend)) : nullptr);
}
void SetLogLevel(LogLevel level) { g_level.store(level); }
LogLevel GetLogLevel() { return g_level.load(); }
bool LogEnabled(LogLevel level) { return level >= g_level.load() && level != LogLevel::kOff; }

void Log(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) return;
  std::string safe = Redact(message);
  if (auto backend = Backend().load()) {
    DelayPoint("log", safe);
    (*backend)(level, safe);
    return;
  }
  std::fprintf(stderr, "[%s] %s\n", LevelName(level), safe.c_str());
}

}  // namespace datasync::core
