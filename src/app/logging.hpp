// Logging set-up for the datasync process: human lines on stderr at the chosen level, and every line
// at info or above in a rotating file under .datasync/logs (10 MiB x 5). Backs core::Log, which redacts
// secrets before anything is written. Call once, early in main.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "core/log.hpp"

namespace datasync::app {

std::optional<core::LogLevel> ParseLogLevel(const std::string& name);  // trace, debug, info, warn, error, off

// `logs_dir` may be empty (no project yet): then only stderr is used.
void SetUpLogging(core::LogLevel stderr_level, const std::filesystem::path& logs_dir);
// Flushes and closes the file sink (call before exit).
void ShutDownLogging();

}  // namespace datasync::app
