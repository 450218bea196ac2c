// Manage use cases (the web app's Manage pages and `datasync export`): the configuration objects (sources,
// datasets, storages, templates, plans) with where each comes from, and the objects made in the app, which
// are created, edited and deleted here.
//
// Origins: `config` (datasync.yaml: read only here, the file is edited), `import` (a dataset imported from
// a doc page: `dataset import`/`refresh` own it) and `api` (made in the app, kept in the system database,
// metadata::AppObjectStore). An object made in the app is its body as it would be written under its
// section in the file; a change is read with the whole file exactly as the file's own objects are (same
// parser, same checks, ConfigLoader), refused with the configuration's problems when anything is wrong,
// and otherwise applied to the catalog at once (App::Apply) and audited. A literal secret in a body moves to
// the project's secrets file (LocalSecrets) and the body keeps its ${local:...} reference; bodies shown
// have their secrets masked, and a masked value sent back keeps what was stored.
//
// Thread-safety: changes hold App::LockConfigChanges from reading the configuration to applying it, so
// neither they nor the daemon's reload apply an older configuration over a newer one; reads may run at any time.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "app/access_service.hpp"
#include "app/app.hpp"
#include "app/template_service.hpp"
#include "metadata/catalog_store.hpp"

namespace datasync::app {

struct ManagedObject {
  metadata::ObjectKind kind = metadata::ObjectKind::kSource;
  std::string name;
  std::string origin;     // config, import, api
  bool editable = false;  // made in the app (and not shadowed by the file)
  std::string note;       // why it is read only, or what shadows it
  nlohmann::json body;    // as written under its section, secrets masked
  std::string updated_by;
  int64_t updated_at_us = 0;
};

// A change refused (ok false: nothing was stored; `issues` say why) or applied.
struct ObjectChange {
  bool ok = false;
  std::vector<ConfigIssue> issues;  // the configuration's problems with the change (warnings when ok)
  ApplyReport applied;              // what changed in the catalog
};

// Every object of the file, the app and the imported datasets, by kind (in section order) then name.
core::Result<std::vector<ManagedObject>> ListObjects(App& app);
// kNotFound when no origin has it.
core::Result<ManagedObject> GetObject(App& app, metadata::ObjectKind kind, const std::string& name);
// The object as its section of datasync.yaml, ready to paste ("plans:\n  daily:\n    dataset: ...").
// A secret written literally shows as "***"; references are kept.
core::Result<std::string> ExportObject(App& app, metadata::ObjectKind kind, const std::string& name);
// The same for an object at hand: its keys in the documented order (the section's, then the plugin's
// options, then any other).
std::string ObjectYaml(App& app, const ManagedObject& object);

// Creates (`create`: kConflict when any origin has the name) or replaces an object made in the app.
// kConflict also for an object of the file or an imported dataset (read only here), kNotFound for an update
// of nothing, kInvalidInput for a bad name or a body that is not an object.
core::Result<ObjectChange> SaveObject(App& app, metadata::ObjectKind kind, const std::string& name, nlohmann::json body,
                                      bool create, const Actor& actor);
// Deletes an object made in the app; refused (ok false) while other objects use it, kConflict for a plan
// with an unfinished run.
core::Result<ObjectChange> DeleteObject(App& app, metadata::ObjectKind kind, const std::string& name,
                                        const Actor& actor);

// Tests a template without saving it: `body` as the template `name` would be (null: the template as it
// is), the first `limit` argument sets and their count. `issues` gets the configuration's problems when
// the body does not load (the result is then kConfig).
core::Result<ArgumentTest> TestTemplate(App& app, const std::string& name, const nlohmann::json& body, size_t limit,
                                        std::vector<ConfigIssue>& issues);

}  // namespace datasync::app
