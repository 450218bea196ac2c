// Config: the project's datasync.yaml, parsed and validated into domain objects.
//
// Parse (reject unknown keys with the allowed list) -> validate (cross-references, types, option tables of
// the providers and sinks) -> build, following CONVENTIONS "Configuration". Every problem is reported,
// not just the first, each with file:line:column, the offending key or value, and what is allowed.
// The loader reads the option tables from the registries, so a new provider or sink brings its own
// validation. Loading is pure (no network, no database); it is safe to call from any thread.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "datasource/data_source.hpp"
#include "datasource/dataset.hpp"
#include "datasource/provider.hpp"
#include "storage/sink.hpp"
#include "storage/storage.hpp"
#include "sync/sync_plan.hpp"

namespace datasync::app {

struct SourceLocation {
  std::string file;  // as given (usually "datasync.yaml")
  int line = 0;      // 1-based; 0 = unknown
  int column = 0;    // 1-based
};

struct ConfigIssue {
  SourceLocation where;
  std::string message;
  bool warning = false;  // warnings do not make the config invalid
};

// "datasync.yaml:14:5: message" (and "warning: " before the message for warnings).
std::string FormatIssue(const ConfigIssue& issue);

struct ProjectSettings {
  std::string name = "datasync";
  std::string system_db = ".datasync/datasync.db";

  friend bool operator==(const ProjectSettings&, const ProjectSettings&) = default;
};

struct Config {
  std::filesystem::path project_dir;
  ProjectSettings project;
  std::vector<datasource::DataSource> sources;
  std::vector<datasource::Dataset> datasets;
  std::vector<storage::Storage> storages;
  std::vector<sync::SyncPlan> plans;

  const datasource::DataSource* FindSource(std::string_view name) const;
  const datasource::Dataset* FindDataset(std::string_view name) const;
  const storage::Storage* FindStorage(std::string_view name) const;
  const sync::SyncPlan* FindPlan(std::string_view name) const;
};

struct ConfigResult {
  std::optional<Config> config;     // set only when there is no error (warnings allowed)
  std::vector<ConfigIssue> issues;  // in file order
  bool ok() const { return config.has_value(); }
};

class ConfigLoader {
 public:
  ConfigLoader(const datasource::ProviderRegistry& providers, const storage::SinkRegistry& sinks)
      : providers_(providers), sinks_(sinks) {}

  ConfigResult LoadFile(const std::filesystem::path& path) const;
  // `file_label` names the file in messages; relative paths resolve against `project_dir`.
  ConfigResult LoadString(const std::string& text, const std::string& file_label,
                          const std::filesystem::path& project_dir) const;

 private:
  const datasource::ProviderRegistry& providers_;
  const storage::SinkRegistry& sinks_;
};

// Object names (sources, datasets, storages, plans) must match [A-Za-z_][A-Za-z0-9_.-]* (max 64).
bool IsValidObjectName(std::string_view name);

}  // namespace datasync::app
