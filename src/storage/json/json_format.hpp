// JsonFormat: each part file is one JSON array of row objects (RFC 8259), for tools that load a whole
// document (`pandas.read_json(path)`, `jq '.[]'`, browsers) rather than JSON Lines. Values follow the JSON
// Lines rules (jsonl/jsonl_format.hpp: decimals, dates and timestamps as strings, non-finite floats as
// null); one object per line, separated by ",\n", so a file stays diffable and streamable. An empty part
// is "[]". Immutable after construction; each writer is used by one thread.
#pragma once

#include <memory>

#include "storage/files/row_format.hpp"

namespace datasync::storage::json {

class JsonFormat final : public files::RowFormat {
 public:
  std::string_view name() const override { return "json"; }
  std::string_view extension() const override { return "json"; }
  std::vector<std::pair<std::string, std::string>> ReaderSettings() const override;
  std::unique_ptr<files::RowFormatWriter> NewWriter(const core::Schema& schema) const override;
};

}  // namespace datasync::storage::json
