// Config: the project's datasync.yaml, parsed and validated into domain objects.
//
// Parse (reject unknown keys with the allowed list) -> validate (cross-references, types, option tables of
// the providers and sinks, and their own checks: ProviderInfo::validate, SinkInfo::validate) -> build,
// following CONVENTIONS "Configuration". Every problem is reported, not just the first, each with
// file:line:column of the offending key or value, and what is allowed. The loader reads the option tables
// and checks from the registries, so a new provider or sink brings its own validation. Loading is pure (no
// network, no database; the environment only with LoadOptions::resolve_secrets); it is safe to call from
// any thread.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "alerting/alerts_config.hpp"
#include "datasource/data_source.hpp"
#include "datasource/dataset.hpp"
#include "datasource/provider.hpp"
#include "generation/argument_spec.hpp"
#include "storage/sink.hpp"
#include "storage/storage.hpp"
#include "sync/sync_plan.hpp"

namespace datasync::metadata {
class SystemDbFactory;
}  // namespace datasync::metadata

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
  // Imported datasets are checked against their doc pages when a run uses them and the last check is
  // older than this; 0 turns the scheduled check off (a response that drifts still triggers one).
  int64_t schema_refresh_hours = 24;

  friend bool operator==(const ProjectSettings&, const ProjectSettings&) = default;
};

// `serve.http`: the bounds of the daemon's HTTP server (api::HttpServer), so that no client, or flood of
// clients, can hold more than these threads, file descriptors, bytes and seconds. Read when serve starts.
struct HttpLimits {
  int64_t max_connections = 64;           // open at once, served or waiting for a thread; more are refused
  int64_t worker_threads = 8;             // requests served at once
  int64_t max_body_bytes = 1024 * 1024;   // a larger request body is refused (413) before it is read
  int64_t max_header_bytes = 16 * 1024;   // request line and headers together
  int64_t request_timeout_secs = 10;      // a request must arrive whole within this, from connect or last response
  int64_t idle_timeout_secs = 5;          // a connection that sends nothing for this long is closed
  int64_t write_timeout_secs = 10;        // a client that takes no bytes of its response for this long is dropped
  int64_t keep_alive_max_requests = 100;  // requests on one connection before the server closes it

  friend bool operator==(const HttpLimits&, const HttpLimits&) = default;
};

// A token of the web app and the REST API declared in `serve.auth.tokens` (docs/web.md). `token` is as
// written: a ${ENV} reference, resolved when serve starts.
struct AuthToken {
  std::string name;
  std::string role;  // "viewer" or "operator"
  std::string token;

  friend bool operator==(const AuthToken&, const AuthToken&) = default;
};

// `serve.tls`: the server's certificate chain and private key (PEM files, absolute paths once loaded).
// Set, the web app, the API, /metrics and /healthz are served over HTTPS only, and `listen` may be any address.
struct TlsSettings {
  std::string cert;
  std::string key;
  bool enabled() const { return !cert.empty(); }
  friend bool operator==(const TlsSettings&, const TlsSettings&) = default;
};

// The `serve:` section: how `datasync serve` runs.
struct ServeSettings {
  std::string listen = "127.0.0.1:9470";  // HOST:PORT of /metrics and /healthz; "off" = no HTTP endpoint
  int64_t max_parallel_runs = 4;          // scheduled runs executing at once
  int64_t shutdown_timeout_secs = 60;     // SIGTERM: how long runs in flight get to checkpoint
  HttpLimits http;
  std::vector<AuthToken> auth_tokens;  // serve.auth.tokens
  bool allow_insecure = false;         // plain HTTP on an address that is not loopback
  TlsSettings tls;                     // serve.tls

  friend bool operator==(const ServeSettings&, const ServeSettings&) = default;
};

// An object made in the web app or the REST API (metadata::AppObjectStore), read with the file: its section
// ("sources", "datasets", "storages", "templates", "plans"), its name, and its body, a JSON object as it
// would be written under the section in datasync.yaml.
struct AppDocument {
  std::string section;
  std::string name;
  std::string body_json;
};

struct Config {
  std::filesystem::path project_dir;
  ProjectSettings project;
  ServeSettings serve;
  alerting::AlertsConfig alerts;
  std::vector<datasource::DataSource> sources;
  std::vector<datasource::Dataset> datasets;
  std::vector<storage::Storage> storages;
  std::vector<generation::Template> templates;
  std::vector<sync::SyncPlan> plans;
  // The objects read from the app's documents (origin api), as "section.name" ("plans.daily"); every other
  // object is the file's (or, for datasets, imported).
  std::set<std::string> app_made;
  bool MadeInApp(std::string_view section, std::string_view name) const;

  const datasource::DataSource* FindSource(std::string_view name) const;
  const datasource::Dataset* FindDataset(std::string_view name) const;
  const storage::Storage* FindStorage(std::string_view name) const;
  const sync::SyncPlan* FindPlan(std::string_view name) const;
  const generation::Template* FindTemplate(std::string_view name) const;
};

struct ConfigResult {
  std::optional<Config> config;     // set only when there is no error (warnings allowed)
  std::vector<ConfigIssue> issues;  // in file order
  ProjectSettings project;          // the project section as read, even when other sections have errors
  SourceLocation system_db_at;      // where project.system_db is written (line 0: not written)
  bool ok() const { return config.has_value(); }
};

struct LoadOptions {
  // Look up every ${ENV} reference of the file (source tokens, sink URLs and passwords, alert channel
  // secrets) and report an unset variable where it is written, as `validate` and `apply` do, so that a
  // missing variable shows before a run needs it. Off, references are only checked for their form and
  // resolved when something uses them (commands that merely read the file need no vendor token).
  bool resolve_secrets = false;
  // The system database backends of this build: when set, project.system_db is checked against them
  // (scheme and form only, nothing is opened), so `validate` reports a location that cannot open at its
  // line. Null skips the check (opening it reports the same error without a position).
  const metadata::SystemDbFactory* system_dbs = nullptr;
  // `datasync dataset sample NAME`: the dataset NAME may be written without `fields:` when its provider
  // infers them (ProviderInfo::infers_fields); it is then loaded with an empty schema (its key checks
  // skipped) for one call to sample. Empty: every dataset needs its fields.
  std::string sampling;
};

class ConfigLoader {
 public:
  // `imported` are the datasets imported from doc pages (stored in the system database, not in the file):
  // plans and templates may use them like datasets of the file.
  // `app_documents` are the objects made in the app: each section reads the file's entries, then theirs
  // (a name the file defines too is the file's, with a warning), and their problems are reported at
  // "section.name (made in the app)".
  ConfigLoader(const datasource::ProviderRegistry& providers, const storage::SinkRegistry& sinks,
               std::vector<datasource::Dataset> imported = {}, LoadOptions options = {},
               std::vector<AppDocument> app_documents = {})
      : providers_(providers),
        sinks_(sinks),
        imported_(std::move(imported)),
        options_(options),
        app_documents_(std::move(app_documents)) {}

  ConfigResult LoadFile(const std::filesystem::path& path) const;
  // `file_label` names the file in messages; relative paths resolve against `project_dir`.
  ConfigResult LoadString(const std::string& text, const std::string& file_label,
                          const std::filesystem::path& project_dir) const;

 private:
  const datasource::ProviderRegistry& providers_;
  const storage::SinkRegistry& sinks_;
  std::vector<datasource::Dataset> imported_;
  LoadOptions options_;
  std::vector<AppDocument> app_documents_;
};

// Object names (sources, datasets, storages, plans) must match [A-Za-z_][A-Za-z0-9_.-]* (max 64).
bool IsValidObjectName(std::string_view name);

// "127.0.0.1:9470" -> {"127.0.0.1", 9470}; "[::1]:9470" -> {"::1", 9470}; nullopt when malformed.
std::optional<std::pair<std::string, int>> SplitHostPort(std::string_view listen);
// True for 127.0.0.0/8, ::1 and "localhost": an address only this machine can reach.
bool IsLoopbackHost(std::string_view host);
// A name of an API token: 1-64 letters, digits, '_', '-', '.', '@'.
bool IsTokenName(std::string_view name);

}  // namespace datasync::app
