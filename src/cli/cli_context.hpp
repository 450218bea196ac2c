// What every CLI command shares: global options, exit codes, error reporting, and opening the project.
#pragma once

#include <memory>
#include <string>

#include "app/app.hpp"
#include "core/error.hpp"

namespace datasync::cli {

// Exit codes scripts can trust (docs/cli.md).
enum Exit : int { kOk = 0, kRunFailed = 1, kUsage = 2, kIncomplete = 3, kSystem = 4 };

struct Globals {
  std::string project;
  bool json = false;
  std::string log_level = "warn";
};

// Prints "error: ..." (redacted) to stderr and returns the exit code for the error's kind.
int ExitWithError(const core::Error& e);
void Print(const std::string& s);
// Locates the project, sets up logging, opens the App.
core::Result<std::unique_ptr<app::App>> OpenApp(const Globals& g);

}  // namespace datasync::cli
