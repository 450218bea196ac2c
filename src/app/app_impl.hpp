// App's private state, shared by the files that implement App (app.cpp, run_service.cpp, control.cpp).
// Not part of app/'s interface: include it only from those files.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "app/access_service.hpp"
#include "app/app.hpp"
#include "app/local_secrets.hpp"
#include "app/specs.hpp"
#include "app/storage_calendar.hpp"
#include "metadata/system_db_factory.hpp"
#include "net/http_client.hpp"
#include "sync/quota.hpp"

namespace datasync::app {

using core::ErrorKind;
using core::Fail;
using metadata::ObjectKind;

struct App::Impl {
  explicit Impl(const core::Clock& c) : clock(c) {}

  Project project;
  mutable std::mutex settings_mu;
  ProjectSettings settings;  // guarded by settings_mu: Apply replaces it while runs read it
  std::mutex apply_mu;       // one Apply at a time: it moves secrets to their file and rewrites the catalog
  const core::Clock& clock;
  datasource::ProviderRegistry providers;
  storage::SinkRegistry sinks;
  metadata::SystemDbFactory system_dbs;  // the backends of this build; the config loader checks against it
  std::unique_ptr<metadata::SystemDb> db;
  std::unique_ptr<net::HttpClient> http;
  std::unique_ptr<sync::QuotaBook> quotas;     // over the system database's quota store
  std::unique_ptr<AccessService> access;       // over the system database's access store
  std::shared_ptr<LocalSecrets> secrets;       // literal secrets of datasync.yaml, kept out of the catalog
  std::atomic<uint64_t> config_generation{0};  // NoteConfigChanged
  std::mutex config_change_mu;                 // LockConfigChanges
  std::mutex calendar_mu;
  std::unique_ptr<StorageCalendar> calendar;  // made on first use
  std::mutex provider_mu;                     // plans run in parallel threads
  std::map<std::string, std::unique_ptr<datasource::Provider>> provider_cache;
  std::map<std::string, std::string> provider_spec;  // source name -> spec the cached provider was made from

  template <class T>
  core::Result<std::vector<T>> ListAll(ObjectKind kind, core::Result<T> (*from)(std::string_view)) {
    auto objs = db->catalog().List(kind);
    if (!objs) return Fail(objs.error());
    std::vector<T> out;
    for (const auto& o : *objs) {
      auto v = from(o.spec_json);
      if (!v) return Fail(v.error());
      if constexpr (std::is_same_v<T, datasource::Dataset>) v->schema_version = static_cast<int>(o.version);
      out.push_back(std::move(*v));
    }
    return out;
  }

  core::Result<datasource::Provider*> ProviderFor(const datasource::DataSource& source) {
    std::lock_guard lock(provider_mu);
    std::string spec = SourceToJson(source);
    auto it = provider_cache.find(source.name);
    if (it != provider_cache.end() && provider_spec[source.name] == spec) return it->second.get();
    const datasource::ProviderInfo* info = providers.Find(source.provider);
    if (!info) {
      return Fail(ErrorKind::kNotFound, "source '" + source.name + "': unknown provider '" + source.provider + "'");
    }
    // The provider keeps a pointer to its DataSource: keep a stable copy alongside it.
    auto stable = std::make_unique<datasource::DataSource>(source);
    auto provider = info->create(datasource::ProviderContext{http.get(), stable.get(), &clock});
    if (!provider) return Fail(provider.error());
    sources_kept.push_back(std::move(stable));
    // A run on another thread (the daemon runs plans in parallel) may still use the provider this replaces.
    if (it != provider_cache.end()) retired_providers.push_back(std::move(it->second));
    provider_cache[source.name] = std::move(*provider);
    provider_spec[source.name] = spec;
    return provider_cache[source.name].get();
  }
  std::vector<std::unique_ptr<datasource::DataSource>> sources_kept;
  std::vector<std::unique_ptr<datasource::Provider>> retired_providers;
};

struct App::Catalog {
  std::vector<sync::SyncPlan> plans;
  std::vector<datasource::Dataset> datasets;
  std::vector<datasource::DataSource> sources;
  std::vector<storage::Storage> storages;
  std::vector<generation::Template> templates;
};

}  // namespace datasync::app
