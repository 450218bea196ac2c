#include "datasource/dataset.hpp"

namespace datasync::datasource {

std::string_view DatasetOriginName(DatasetOrigin o) {
  switch (o) {
    case DatasetOrigin::kImport: return "import";
    case DatasetOrigin::kApi: return "api";
    case DatasetOrigin::kConfig: break;
  }
  return "config";
}

bool Dataset::operator==(const Dataset& o) const {
  bool same_schema = (schema == o.schema) || (schema && o.schema && *schema == *o.schema);
  return same_schema && name == o.name && source == o.source && api == o.api && title == o.title &&
         description == o.description && doc_url == o.doc_url && params == o.params && primary_key == o.primary_key &&
         date_key == o.date_key && row_cap == o.row_cap && paging == o.paging && points == o.points &&
         default_fields == o.default_fields && origin == o.origin && schema_version == o.schema_version &&
         calendar == o.calendar && options == o.options && quality == o.quality;
}

}  // namespace datasync::datasource
