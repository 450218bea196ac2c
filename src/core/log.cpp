#include "core/log.hpp"

#include <atomic>
#include <cstdio>
#include <string>

#include "core/delay_point.hpp"
#include "core/secrets.hpp"

namespace datasync::core {

namespace {
std::atomic<LogLevel> g_level{LogLevel::kInfo};
LogBackend& Backend() {
  static LogBackend backend;
  return backend;
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

void SetLogBackend(LogBackend backend) { Backend() = std::move(backend); }
void SetLogLevel(LogLevel level) { g_level.store(level); }
LogLevel GetLogLevel() { return g_level.load(); }
bool LogEnabled(LogLevel level) { return level >= g_level.load() && level != LogLevel::kOff; }

void Log(LogLevel level, std::string_view message) {
  if (!LogEnabled(level)) return;
  std::string safe = Redact(message);
  if (Backend()) {
    DelayPoint("log", safe);
    Backend()(level, safe);
    return;
  }
  std::fprintf(stderr, "[%s] %s\n", LevelName(level), safe.c_str());
}

}  // namespace datasync::core
