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

}  // namespace datasync::metadata
