// A tiny logging facade so that domain code can log without pulling spdlog's heavy headers into every
// translation unit. app/ installs the real backend (spdlog: stderr + rotating file); until then messages go
// to stderr. Every message passes through core::Redact, so a registered secret never reaches a log.
// Thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

namespace datasync::core {

enum class LogLevel : uint8_t { kTrace, kDebug, kInfo, kWarn, kError, kOff };

using LogBackend = std::function<void(LogLevel, std::string_view)>;

// Replaces the backend (nullptr restores stderr). Safe while other threads log: a line being written
// through the old backend finishes with it, and the old backend is destroyed after its last line.
void SetLogBackend(LogBackend backend);
void SetLogLevel(LogLevel level);  // messages below it are dropped before formatting
LogLevel GetLogLevel();
bool LogEnabled(LogLevel level);

void Log(LogLevel level, std::string_view message);
inline void LogDebug(std::string_view m) { Log(LogLevel::kDebug, m); }
inline void LogInfo(std::string_view m) { Log(LogLevel::kInfo, m); }
inline void LogWarn(std::string_view m) { Log(LogLevel::kWarn, m); }
inline void LogError(std::string_view m) { Log(LogLevel::kError, m); }

}  // namespace datasync::core
