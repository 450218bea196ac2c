// LocalSecrets: the project's own secrets file, .datasync/secrets.json (mode 0600). `apply` moves every
// secret written literally in datasync.yaml there (a source's token, a storage's secret option, the password
// inside a database URL) and stores ${local:NAME} in its place, so the system database, its catalog history
// and every listing read from it hold references only. core::ResolveSecret resolves ${local:NAME} from this
// file when a run needs the value. Literal secrets still draw validate's warning: ${ENV} references are the
// recommended form, and the only one that works when several machines share one system database.
//
// Lifecycle: Open() loads the file (registering every value for redaction) and registers the "local"
// scheme with core/secrets.hpp; TakeLiterals() during apply; Save() writes the file when it changed.
// Thread-safety: every method takes the object's lock.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include "app/config.hpp"

namespace datasync::app {

class LocalSecrets {
 public:
  static core::Result<std::shared_ptr<LocalSecrets>> Open(std::filesystem::path path);

  // Replaces the literal secrets of `config` with ${local:NAME} references and keeps their values here.
  // Literal secrets are the values of kSecret options (a source's credentials, a sink's passwords) and the
  // passwords inside a storage's connection URLs; the plugins' option tables say which options are secret.
  void TakeLiterals(Config& config, const datasource::ProviderRegistry& providers, const storage::SinkRegistry& sinks);
  // Writes the file (atomically, mode 0600) if TakeLiterals added or changed a value.
  core::Status Save();
  std::optional<std::string> Get(std::string_view name) const;

 private:
  explicit LocalSecrets(std::filesystem::path path) : path_(std::move(path)) {}
  // Keeps `value` under `name`; returns the reference that stands for it.
  std::string Keep(const std::string& name, const std::string& value);
  // `options` with each literal kSecret value kept as PREFIX<key> (and, with `url_passwords`, each literal
  // password inside a URL value, core::FindPasswords, as PREFIX<key>.password, .password_2, ...) and
  // replaced by its reference.
  core::Options KeepLiterals(const core::Options& options, std::span<const core::OptionSpec> specs,
                             const std::string& prefix, bool url_passwords);

  mutable std::mutex mu_;
  std::filesystem::path path_;
  std::map<std::string, std::string, std::less<>> values_;
  bool dirty_ = false;
};

}  // namespace datasync::app
