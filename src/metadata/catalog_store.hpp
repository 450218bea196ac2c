// CatalogStore: the applied configuration objects (sources, datasets, storages, plans, templates) in the system
// database. Each object is stored as its canonical JSON spec with a content hash and a version that
// increases whenever the spec changes; earlier versions are kept as history (dataset schema versions).
// The JSON codecs of the domain objects live in app/specs.hpp; this store never parses specs.
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace datasync::metadata {

enum class ObjectKind : uint8_t { kSource, kDataset, kStorage, kPlan, kTemplate };
std::string_view ObjectKindName(ObjectKind k);  // "source", "dataset", "storage", "plan", "template"
// The section of datasync.yaml that holds the kind: "sources", "datasets", "storages", "plans", "templates".
std::string_view ObjectSection(ObjectKind k);
// A kind by its name or its section ("plan" or "plans"); nullopt for anything else.
std::optional<ObjectKind> ParseObjectKind(std::string_view text);
inline constexpr ObjectKind kObjectKinds[] = {ObjectKind::kSource, ObjectKind::kDataset, ObjectKind::kStorage,
                                              ObjectKind::kTemplate, ObjectKind::kPlan};

struct StoredObject {
  ObjectKind kind = ObjectKind::kSource;
  std::string name;
  std::string spec_json;
  std::string spec_hash;  // hex hash of spec_json
  int64_t version = 1;
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
};

enum class PutOutcome : uint8_t { kCreated, kUpdated, kUnchanged };

class CatalogStore {
 public:
  virtual ~CatalogStore() = default;
  // Inserts or replaces by (kind, name). Unchanged spec: no write, kUnchanged. Changed: version + 1 and
  // the previous version goes to history.
  virtual core::Result<PutOutcome> Put(ObjectKind kind, std::string_view name, std::string_view spec_json) = 0;
  virtual core::Result<bool> Remove(ObjectKind kind, std::string_view name) = 0;  // false: not there
  virtual core::Result<std::optional<StoredObject>> Get(ObjectKind kind, std::string_view name) = 0;
  virtual core::Result<std::vector<StoredObject>> List(ObjectKind kind) = 0;  // by name
  // Every version of one object, oldest first (the current one last).
  virtual core::Result<std::vector<StoredObject>> History(ObjectKind kind, std::string_view name) = 0;
};

}  // namespace datasync::metadata
