// Project: a folder with datasync.yaml and the .datasync/ state folder (system database, logs, locks).
// LocateProject finds it (an explicit --project, else $DATASYNC_PROJECT, else the nearest folder upward
// from the working directory that has a datasync.yaml); InitProject creates one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace datasync::app {

struct Project {
  std::filesystem::path root;
  std::filesystem::path config_file;  // root/datasync.yaml
  std::filesystem::path state_dir;    // root/.datasync
  std::filesystem::path logs_dir;     // root/.datasync/logs
};

Project ProjectAt(const std::filesystem::path& root);
core::Result<Project> LocateProject(const std::optional<std::filesystem::path>& explicit_dir);

struct InitOptions {
  std::filesystem::path dir;
  std::string name;                      // default: the folder's name
  std::string endpoint = "https://api.tushare.pro";
  std::string token_ref = "${TUSHARE_TOKEN}";
  bool force = false;                    // overwrite an existing datasync.yaml
};

// Writes datasync.yaml (a commented example) and creates .datasync/ with logs/ and locks/.
core::Result<Project> InitProject(const InitOptions& options);

// The commented example configuration that `init` writes.
std::string RenderProjectTemplate(const InitOptions& options);

}  // namespace datasync::app
