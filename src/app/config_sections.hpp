// The keys of the named objects' sections of datasync.yaml (sources, datasets, storages, templates, plans)
// that are the section's own, as a table: the parser checks written keys against it, and the web app's forms
// are generated from it together with the plugins' option tables (a source's provider options, a storage's
// sink options, a dataset's provider dataset options), so a form offers exactly what the file accepts.
// Nested blocks (limits, fields, params, schedule, ...) are `kYaml`: the form edits them as YAML, checked
// by the same parser. Thread-safe (constant tables).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "metadata/catalog_store.hpp"

namespace datasync::app {

enum class FormType : uint8_t {
  kText,
  kInteger,
  kBoolean,
  kList,    // a list of names (or one name)
  kChoice,  // one of `choices`
  kPlugin,  // a registered plugin id (provider, sink kind); its option table adds the further keys
  kRef,     // the name of an object of kind `ref`
  kRefs,    // names of objects of kind `ref`
  kYaml,    // a nested block, written as YAML
};
std::string_view FormTypeName(FormType t);  // "text", "integer", ..., "yaml"

struct SectionKey {
  std::string_view name;
  FormType type = FormType::kText;
  bool required = false;
  std::string_view description;
  std::string_view example = {};  // kYaml: a block to start from
  std::optional<metadata::ObjectKind> ref = {};
  std::vector<std::string_view> choices = {};
};

std::span<const SectionKey> SectionKeys(metadata::ObjectKind kind);
std::vector<std::string> SectionKeyNames(metadata::ObjectKind kind);

}  // namespace datasync::app
