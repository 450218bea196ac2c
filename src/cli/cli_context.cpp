#include "cli/cli_context.hpp"

#include <cstdio>

#include "app/logging.hpp"
#include "app/project.hpp"
#include "core/secrets.hpp"

namespace datasync::cli {

int ExitWithError(const core::Error& e) {
  std::fprintf(stderr, "error: %s\n", core::Redact(e.message()).c_str());
  switch (e.kind()) {
    // NotFound and Conflict were kConfig before they had kinds of their own; they keep its exit code.
    case core::ErrorKind::kConfig:
    case core::ErrorKind::kInvalidInput:
    case core::ErrorKind::kNotFound:
    case core::ErrorKind::kConflict: return kUsage;
    default: return kSystem;
  }
}

void Print(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

core::Result<std::unique_ptr<app::App>> OpenApp(const Globals& g) {
  std::optional<std::filesystem::path> dir;
  if (!g.project.empty()) dir = g.project;
  auto project = app::LocateProject(dir);
  if (!project) return core::Fail(project.error());
  auto level = app::ParseLogLevel(g.log_level).value_or(core::LogLevel::kWarn);
  app::SetUpLogging(level, project->logs_dir);
  return app::App::Open(*project, core::ProcessClock());
}

}  // namespace datasync::cli
