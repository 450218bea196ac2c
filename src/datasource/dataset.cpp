#include "datasource/dataset.hpp"

namespace datasync::datasource {

bool Dataset::operator==(const Dataset& o) const {
  bool same_schema = (schema == o.schema) || (schema && o.schema && *schema == *o.schema);
  return same_schema && name == o.name && source == o.source && api == o.api && title == o.title &&
         description == o.description && doc_url == o.doc_url && params == o.params &&
         primary_key == o.primary_key && date_key == o.date_key && row_cap == o.row_cap && paging == o.paging &&
         schema_version == o.schema_version;
}

}  // namespace datasync::datasource
