// Logging set-up for the datasync process: human lines on stderr at the chosen level, and every line
// at info or above in a rotating file under .datasync/logs (10 MiB x 5). Backs core::Log, which redacts
// secrets before anything is written. Call once, early in main.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/log.hpp"

namespace datasync::app {

std::optional<core::LogLevel> ParseLogLevel(const std::string& name);  // trace, debug, info, warn, error, off

// `logs_dir` may be empty (no project yet): then only stderr is used.
void SetUpLogging(core::LogLevel stderr_level, const std::filesystem::path& logs_dir);
// Tears logging down, safe while other threads still log: later lines go to stderr only; lines being
// written when it is called are waited for (at most 5 s); then `last_line`, if given, is written (at info)
// as the file's last line, and the file is flushed and closed. Call after joining every thread that logs;
// a thread that cannot be joined (serve's runs past the shutdown deadline) loses nothing but the file.
void ShutDownLogging(std::string_view last_line = {});

}  // namespace datasync::app
