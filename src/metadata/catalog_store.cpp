#include "metadata/catalog_store.hpp"

namespace datasync::metadata {

std::string_view ObjectKindName(ObjectKind k) {
  switch (k) {
    case ObjectKind::kSource: return "source";
    case ObjectKind::kDataset: return "dataset";
    case ObjectKind::kStorage: return "storage";
    case ObjectKind::kPlan: return "plan";
    case ObjectKind::kTemplate: return "template";
  }
  return "?";
}

std::string_view ObjectSection(ObjectKind k) {
  switch (k) {
    case ObjectKind::kSource: return "sources";
    case ObjectKind::kDataset: return "datasets";
    case ObjectKind::kStorage: return "storages";
    case ObjectKind::kPlan: return "plans";
    case ObjectKind::kTemplate: return "templates";
  }
  return "?";
}

std::optional<ObjectKind> ParseObjectKind(std::string_view text) {
  for (ObjectKind k : kObjectKinds) {
    if (text == ObjectKindName(k) || text == ObjectSection(k)) return k;
  }
  return std::nullopt;
}

}  // namespace datasync::metadata
