#include "app/manage_service.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <mutex>

#include "app/config_sections.hpp"
#include "app/dataset_service.hpp"
#include "app/specs.hpp"
#include "app/yaml_json.hpp"
#include "core/options.hpp"
#include "core/secrets.hpp"
#include "sync/sync_run.hpp"

namespace datasync::app {

using core::ErrorKind;
using core::Fail;
using metadata::ObjectKind;
using json = nlohmann::json;

namespace {

std::string Target(ObjectKind kind, const std::string& name) {
  return std::string(metadata::ObjectKindName(kind)) + " " + name;
}

// datasync.yaml's root node (an empty node when the file is empty).
core::Result<YAML::Node> FileRoot(App& app) {
  try {
    return YAML::LoadFile(app.project().config_file.string());
  } catch (const YAML::Exception& e) {
    return Fail(ErrorKind::kConfig, app.project().config_file.filename().string() + ": " + e.what() +
                                        " (run `datasync validate` for every problem)");
  }
}

YAML::Node FileEntries(const YAML::Node& root, ObjectKind kind) {
  if (!root || !root.IsMap()) return {};
  YAML::Node section = root[std::string(metadata::ObjectSection(kind))];
  return section && section.IsMap() ? section : YAML::Node();
}

bool InFile(const YAML::Node& root, ObjectKind kind, const std::string& name) {
  YAML::Node entries = FileEntries(root, kind);
  return entries && entries[name];
}

// The option table whose secrets a body of `kind` may hold: its provider's or its sink's.
std::span<const core::OptionSpec> OptionTableOf(App& app, ObjectKind kind, const json& body) {
  if (!body.is_object()) return {};
  if (kind == ObjectKind::kSource && body.contains("provider") && body["provider"].is_string()) {
    if (const auto* p = app.providers().Find(body["provider"].get<std::string>())) return p->options;
  }
  if (kind == ObjectKind::kStorage && body.contains("kind") && body["kind"].is_string()) {
    if (const auto* s = app.sinks().Find(body["kind"].get<std::string>())) return s->options;
  }
  return {};
}

std::string MaskSecret(const std::string& value) {
  return core::IsSecretReference(value) ? value : std::string("***");
}

// Secrets written literally become "***" (references stay: they name a value kept elsewhere), and every
// password form inside a text value of a source or storage (a connection URL) is masked.
json MaskBody(App& app, ObjectKind kind, json body) {
  auto specs = OptionTableOf(app, kind, body);
  if (!body.is_object()) return body;
  for (auto& [key, value] : body.items()) {
    const core::OptionSpec* spec = core::FindOption(specs, key);
    if (value.is_string()) {
      const auto& text = value.get_ref<const std::string&>();
      if (spec && spec->type == core::OptionType::kSecret) {
        value = MaskSecret(text);
      } else if (kind == ObjectKind::kSource || kind == ObjectKind::kStorage) {
        value = core::MaskPasswords(text);
      }
    } else if (spec && spec->type == core::OptionType::kRecordList && spec->fields && value.is_array()) {
      for (auto& record : value) {
        if (!record.is_object()) continue;
        for (auto& [field, v] : record.items()) {
          const core::OptionSpec* f = core::FindOption(spec->fields(), field);
          if (f && f->type == core::OptionType::kSecret && v.is_string()) v = MaskSecret(v.get<std::string>());
        }
      }
    }
  }
  return body;
}

std::vector<AppDocument> Documents(const std::vector<metadata::AppObject>& objects) {
  std::vector<AppDocument> out;
  for (const auto& o : objects) out.push_back({std::string(metadata::ObjectSection(o.kind)), o.name, o.body_json});
  return out;
}

// `documents` with (kind, name) replaced by `body` (added when absent), or removed when body is null.
std::vector<AppDocument> WithChange(std::vector<AppDocument> documents, ObjectKind kind, const std::string& name,
                                    const json* body) {
  std::string section(metadata::ObjectSection(kind));
  std::erase_if(documents, [&](const AppDocument& d) { return d.section == section && d.name == name; });
  if (body) documents.push_back({section, name, body->dump()});
  return documents;
}

std::vector<ConfigIssue> Redacted(std::vector<ConfigIssue> issues) {
  for (auto& i : issues) i.message = core::Redact(i.message);
  return issues;
}

// The object's values in `config` after LocalSecrets kept its literal secrets: each top-level text value of
// `body` that became a ${local:...} reference is replaced by it.
void KeepReferences(const Config& config, ObjectKind kind, const std::string& name, json& body) {
  const core::Options* options = nullptr;
  if (kind == ObjectKind::kSource) {
    if (const auto* s = config.FindSource(name)) options = &s->options;
  } else if (kind == ObjectKind::kStorage) {
    if (const auto* s = config.FindStorage(name)) options = &s->options;
  }
  if (!options) return;
  for (const auto& [key, value] : options->values()) {
    const auto* text = std::get_if<std::string>(&value);
    if (!text || !body.contains(key) || !body[key].is_string()) continue;
    if (text->find("${local:") != std::string::npos && body[key].get<std::string>() != *text) body[key] = *text;
  }
}

// A masked value sent back (what GetObject showed) keeps the stored value; a secret's mask with nothing
// stored is refused.
core::Status Unmask(App& app, ObjectKind kind, const std::string& name, json& body, const json* stored) {
  auto specs = OptionTableOf(app, kind, body);
  json masked = stored ? MaskBody(app, kind, *stored) : json::object();
  for (auto& [key, value] : body.items()) {
    if (!value.is_string()) continue;
    if (stored && stored->contains(key) && masked.contains(key) && masked[key] == value) {
      value = (*stored)[key];
      continue;
    }
    const core::OptionSpec* spec = core::FindOption(specs, key);
    if (spec && spec->type == core::OptionType::kSecret && value.get<std::string>() == "***") {
      return Fail(ErrorKind::kInvalidInput, std::string(metadata::ObjectSection(kind)) + "." + name + "." + key +
                                                ": '***' is how a secret is shown; write the secret itself or a "
                                                "${ENV} reference");
    }
  }
  return core::Ok();
}

}  // namespace

core::Result<std::vector<ManagedObject>> ListObjects(App& app) {
  auto root = FileRoot(app);
  if (!root) return Fail(root.error());
  auto made = app.db().app_objects().List();
  if (!made) return Fail(made.error());
  auto catalog = app.db().catalog().List(ObjectKind::kDataset);
  if (!catalog) return Fail(catalog.error());
  std::vector<ManagedObject> out;
  for (ObjectKind kind : metadata::kObjectKinds) {
    size_t first = out.size();
    if (YAML::Node entries = FileEntries(*root, kind)) {
      for (auto it = entries.begin(); it != entries.end(); ++it) {
        ManagedObject o{.kind = kind, .name = it->first.Scalar(), .origin = "config"};
        o.note = "defined in datasync.yaml: edit the file to change it";
        auto body = YamlToJson(it->second);
        o.body = MaskBody(app, kind, body ? *body : json::object());
        out.push_back(std::move(o));
      }
    }
    for (const auto& m : *made) {
      if (m.kind != kind) continue;
      ManagedObject o{.kind = kind, .name = m.name, .origin = "api", .editable = true};
      if (InFile(*root, kind, m.name)) {
        o.note = "datasync.yaml defines it too, and the file's definition is used; delete this one";
        std::erase_if(out, [&](const ManagedObject& x) { return x.kind == kind && x.name == m.name; });
      }
      json body = json::parse(m.body_json, nullptr, false);
      o.body = MaskBody(app, kind, body.is_discarded() ? json::object() : body);
      o.updated_by = m.updated_by;
      o.updated_at_us = m.updated_at_us;
      out.push_back(std::move(o));
    }
    if (kind == ObjectKind::kDataset) {
      for (const auto& stored : *catalog) {
        if (!IsImportedDatasetSpec(stored.spec_json)) continue;
        bool shadowed = std::any_of(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
                                    [&](const ManagedObject& x) { return x.name == stored.name; });
        if (shadowed) continue;
        auto d = DatasetFromJson(stored.spec_json);
        if (!d) continue;
        ManagedObject o{.kind = kind, .name = stored.name, .origin = "import"};
        o.note = "imported from a doc page: `datasync dataset refresh` updates it";
        auto doc = YamlTextToJson(DatasetsYaml({*d}));
        o.body = doc && doc->contains("datasets") ? (*doc)["datasets"][stored.name] : json::object();
        o.updated_at_us = stored.updated_at_us;
        out.push_back(std::move(o));
      }
    }
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(first), out.end(),
              [](const ManagedObject& a, const ManagedObject& b) { return a.name < b.name; });
  }
  return out;
}

core::Result<ManagedObject> GetObject(App& app, ObjectKind kind, const std::string& name) {
  auto all = ListObjects(app);
  if (!all) return Fail(all.error());
  for (auto& o : *all) {
    if (o.kind == kind && o.name == name) return std::move(o);
  }
  return Fail(ErrorKind::kNotFound, "no " + Target(kind, name.substr(0, 256)));
}

core::Result<std::string> ExportObject(App& app, ObjectKind kind, const std::string& name) {
  auto o = GetObject(app, kind, name);
  if (!o) return Fail(o.error());
  return ObjectYaml(app, *o);
}

std::string ObjectYaml(App& app, const ManagedObject& object) {
  json doc = json::object();
  doc[std::string(metadata::ObjectSection(object.kind))][object.name] = object.body;
  std::vector<std::string> order = SectionKeyNames(object.kind);
  for (const auto& spec : OptionTableOf(app, object.kind, object.body)) order.emplace_back(spec.name);
  return JsonToYaml(doc, order);
}

core::Result<ObjectChange> SaveObject(App& app, ObjectKind kind, const std::string& name, json body, bool create,
                                      const Actor& actor) {
  if (!IsValidObjectName(name)) {
    return Fail(ErrorKind::kInvalidInput, "name '" + name.substr(0, 64) +
                                              "' is not allowed (use letters, digits, _ . -; start with a letter or "
                                              "_; at most 64 characters)");
  }
  if (!body.is_object()) return Fail(ErrorKind::kInvalidInput, "the object's body must be a JSON object");
  auto lock = app.LockConfigChanges();
  auto root = FileRoot(app);
  if (!root) return Fail(root.error());
  if (InFile(*root, kind, name)) {
    return Fail(ErrorKind::kConflict, "datasync.yaml defines " + Target(kind, name) +
                                          ": it is read only in the app; edit the file (or choose another name)");
  }
  auto& store = app.db().app_objects();
  auto stored = store.Get(kind, name);
  if (!stored) return Fail(stored.error());
  if (create && *stored) return Fail(ErrorKind::kConflict, "a " + Target(kind, name) + " exists; choose another name");
  if (!create && !*stored) {
    auto in_catalog = app.db().catalog().Get(kind, name);
    if (in_catalog && *in_catalog) {
      return Fail(ErrorKind::kConflict, Target(kind, name) +
                                            " was imported from a doc page: it is read only in the "
                                            "app (`datasync dataset refresh` updates it)");
    }
    return Fail(ErrorKind::kNotFound, "no " + Target(kind, name) + " made in the app");
  }
  if (create) {
    auto in_catalog = app.db().catalog().Get(kind, name);
    if (!in_catalog) return Fail(in_catalog.error());
    if (*in_catalog) return Fail(ErrorKind::kConflict, "a " + Target(kind, name) + " exists; choose another name");
  }
  json previous = *stored ? json::parse((*stored)->body_json, nullptr, false) : json();
  if (auto st = Unmask(app, kind, name, body, *stored && !previous.is_discarded() ? &previous : nullptr); !st) {
    return Fail(st.error());
  }
  auto objects = store.List();
  if (!objects) return Fail(objects.error());
  ConfigResult loaded = app.LoadConfig({}, WithChange(Documents(*objects), kind, name, &body));
  ObjectChange change;
  change.issues = Redacted(loaded.issues);
  if (!loaded.ok()) return change;
  Config config = std::move(*loaded.config);
  if (auto st = app.KeepSecrets(config); !st) return Fail(st.error());
  KeepReferences(config, kind, name, body);
  metadata::AppObject object{.kind = kind, .name = name, .body_json = body.dump(), .updated_by = actor.name};
  if (auto st = store.Put(object); !st) return Fail(st.error());
  auto applied = app.Apply(config);
  if (!applied) {
    // The catalog stays as it was: so does the app's object.
    if (*stored) {
      (void)store.Put(**stored);
    } else {
      (void)store.Remove(kind, name);
    }
    return Fail(applied.error());
  }
  change.ok = true;
  change.applied = std::move(*applied);
  app.NoteConfigChanged();
  if (auto st = app.access().Record(actor, create ? "object.create" : "object.update", Target(kind, name),
                                    std::to_string(change.applied.changed()) + " catalog change(s)");
      !st) {
    return Fail(st.error());
  }
  return change;
}

core::Result<ObjectChange> DeleteObject(App& app, ObjectKind kind, const std::string& name, const Actor& actor) {
  auto lock = app.LockConfigChanges();
  auto root = FileRoot(app);
  if (!root) return Fail(root.error());
  auto& store = app.db().app_objects();
  auto stored = store.Get(kind, name);
  if (!stored) return Fail(stored.error());
  if (!*stored) {
    if (InFile(*root, kind, name)) {
      return Fail(ErrorKind::kConflict,
                  "datasync.yaml defines " + Target(kind, name) + ": it is read only in the app; edit the file");
    }
    auto in_catalog = app.db().catalog().Get(kind, name);
    if (in_catalog && *in_catalog) {
      return Fail(ErrorKind::kConflict, Target(kind, name) + " is not made in the app; it is read only here");
    }
    return Fail(ErrorKind::kNotFound, "no " + Target(kind, name.substr(0, 256)) + " made in the app");
  }
  if (kind == ObjectKind::kPlan) {
    auto runs = app.Runs({.plan = name, .limit = 20});
    if (!runs) return Fail(runs.error());
    for (const auto& r : *runs) {
      if (!sync::IsFinal(r.status)) {
        return Fail(ErrorKind::kConflict, "plan " + name + " has an unfinished run (" + std::to_string(r.id) + ", " +
                                              std::string(sync::RunStatusName(r.status)) +
                                              "): cancel it or let it finish first");
      }
    }
  }
  auto objects = store.List();
  if (!objects) return Fail(objects.error());
  ConfigResult loaded = app.LoadConfig({}, WithChange(Documents(*objects), kind, name, nullptr));
  ObjectChange change;
  change.issues = Redacted(loaded.issues);
  if (!loaded.ok()) return change;
  if (auto removed = store.Remove(kind, name); !removed) return Fail(removed.error());
  auto applied = app.Apply(*loaded.config);
  if (!applied) {
    (void)store.Put(**stored);
    return Fail(applied.error());
  }
  change.ok = true;
  change.applied = std::move(*applied);
  app.NoteConfigChanged();
  if (auto st = app.access().Record(actor, "object.delete", Target(kind, name),
                                    std::to_string(change.applied.changed()) + " catalog change(s)");
      !st) {
    return Fail(st.error());
  }
  return change;
}

core::Result<ArgumentTest> TestTemplate(App& app, const std::string& name, const json& body, size_t limit,
                                        std::vector<ConfigIssue>& issues) {
  if (!IsValidObjectName(name)) return Fail(ErrorKind::kInvalidInput, "name a template");
  auto objects = app.db().app_objects().List();
  if (!objects) return Fail(objects.error());
  std::vector<AppDocument> documents = Documents(*objects);
  if (!body.is_null()) {
    if (!body.is_object()) return Fail(ErrorKind::kInvalidInput, "the template's body must be a JSON object");
    auto root = FileRoot(app);
    if (!root) return Fail(root.error());
    if (InFile(*root, ObjectKind::kTemplate, name)) {
      return Fail(ErrorKind::kConflict, "datasync.yaml defines template " + name +
                                            ": test it by name, or choose "
                                            "another name");
    }
    documents = WithChange(std::move(documents), ObjectKind::kTemplate, name, &body);
  }
  ConfigResult loaded = app.LoadConfig({}, std::move(documents));
  if (!loaded.ok()) {
    issues = Redacted(loaded.issues);
    return Fail(ErrorKind::kConfig, "the configuration with this template has problems");
  }
  return TestArguments(app, *loaded.config, name, "", limit);
}

}  // namespace datasync::app
