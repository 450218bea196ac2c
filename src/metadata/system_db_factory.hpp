// SystemDbFactory: the system database backends of this build, keyed by URL scheme, and the one reader of a
// system database location (`project.system_db`, ARCHITECTURE §11). The composition root (app/) registers
// the backends it links (app/registries.cpp) and opens the location through Open(); nothing else names a
// backend.
//
// A location is one of:
// - a plain path ("PATH", relative to SystemDbOpenContext::base_dir): the default backend (the one
//   registered with `default_for_paths`, SQLite);
// - "SCHEME:REST" or "SCHEME://REST" for a registered scheme: that backend, given REST ("sqlite:PATH",
//   "sqlite:///abs/file.db");
// - a server URL of a backend datasync plans but this build lacks (postgres, postgresql, mysql, mariadb):
//   refused, saying which forms are supported;
// - any other "SCHEME://...": refused with the allowed schemes.
// Refusals are kConfig, start with SystemDbOpenContext::setting and never repeat the location itself (a URL
// may carry a password), only its scheme.
//
// Lifecycle: Register() every backend, then Open() any number of times. Thread-safety: Register() is not
// thread-safe; Open() and schemes() may be called from any thread once registration is done.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "metadata/system_db.hpp"

namespace datasync::metadata {

struct SystemDbOpenContext {
  std::filesystem::path base_dir;  // where relative paths start (the project folder); empty = the cwd
  const core::Clock* clock = nullptr;
  std::string setting = "system_db";  // how errors name the setting ("datasync.yaml: project.system_db")
};

struct SystemDbBackend {
  std::vector<std::string> schemes;  // lowercase; the first names the backend ("sqlite")
  std::string description;           // one line for help and errors ("a SQLite file (WAL)")
  std::string example;               // a location that opens it ("sqlite:.datasync/datasync.db")
  bool default_for_paths = false;    // plain paths open this backend (one backend at most)
  // `rest` is the location without "SCHEME:" (for a plain path, the whole path); the backend resolves
  // relative paths against ctx.base_dir. Errors must not repeat `rest` when it can hold a password.
  std::function<core::Result<std::unique_ptr<SystemDb>>(std::string_view rest, const SystemDbOpenContext& ctx)> open;
};

class SystemDbFactory {
 public:
  void Register(SystemDbBackend backend);
  core::Result<std::unique_ptr<SystemDb>> Open(std::string_view location, const SystemDbOpenContext& ctx) const;
  // Whether Open would accept the location's form (its scheme has a backend, it names a database),
  // without opening anything: the config loader's check, so `validate` reports a location this build
  // cannot open at its line. The errors are Open's, naming `setting`.
  core::Status Check(std::string_view location, const std::string& setting) const;
  // Every registered scheme, in registration order.
  std::vector<std::string> schemes() const;

 private:
  struct Resolved {
    const SystemDbBackend* backend;
    std::string_view rest;
  };
  // The backend and the rest of the location, or the refusal (kConfig, starting with `setting`).
  core::Result<Resolved> Resolve(std::string_view location, const std::string& setting) const;
  const SystemDbBackend* Find(std::string_view scheme) const;
  std::string Supported() const;  // "a file path, sqlite:PATH"

  std::vector<SystemDbBackend> backends_;
};

// The schemes of server backends datasync plans (ARCHITECTURE §11) but that may be missing from a build.
bool IsPlannedServerScheme(std::string_view scheme);

}  // namespace datasync::metadata
