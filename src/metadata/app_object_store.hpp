// AppObjectStore: the configuration objects made in the web app or the REST API (origin `api`), kept in the
// system database as the second source of the configuration next to datasync.yaml. Each is the object's
// body as it would be written under its section of the file (a JSON object), which the config loader reads
// with the file (app/config.hpp ConfigLoader) and `apply` turns into catalog objects like the file's. Bodies
// hold secret references only (app/manage_service.hpp moves a literal secret to the project's secrets file).
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "metadata/catalog_store.hpp"

namespace datasync::metadata {

struct AppObject {
  ObjectKind kind = ObjectKind::kSource;
  std::string name;
  std::string body_json;  // the section entry's body, a JSON object
  std::string created_by;
  std::string updated_by;
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
};

class AppObjectStore {
 public:
  virtual ~AppObjectStore() = default;
  // Inserts or replaces by (kind, name); created_* are kept on replace.
  virtual core::Status Put(const AppObject& object) = 0;
  virtual core::Result<bool> Remove(ObjectKind kind, const std::string& name) = 0;  // false: not there
  virtual core::Result<std::optional<AppObject>> Get(ObjectKind kind, const std::string& name) = 0;
  // Every object, by kind (ObjectKind's order) then name.
  virtual core::Result<std::vector<AppObject>> List() = 0;
};

}  // namespace datasync::metadata
