// JsonPath: where a rest dataset's records, rows, columns, next cursor or error code sit in a JSON answer,
// written in datasync.yaml as dotted keys with optional array indices: "data.items", "datatable.data",
// "meta.next_cursor_id", "errors[0].code". "$" (or "") is the whole body; a leading "$." is allowed.
//
// Parsed once when the provider is created (and when config loading validates the dataset), then read
// against each answer's simdjson DOM. Pure; thread-safe. simdjson stays out of this header.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace simdjson::dom {
class element;
}

namespace datasync::datasource::rest {

struct JsonPath {
  struct Step {
    std::string key;              // an object member; empty for a bare index step
    std::optional<size_t> index;  // then this element of the array
  };
  std::vector<Step> steps;  // empty: the root
  std::string text;         // as written, for messages

  bool IsRoot() const { return steps.empty(); }
};

// Fails (kConfig) with what is wrong with the text, e.g. "empty key between dots in 'a..b'".
core::Result<JsonPath> ParseJsonPath(std::string_view text);

// The element at `path` under `root`; false when a step is missing or of the wrong kind (a key into an
// array, an index past the end). A JSON null at the end counts as found.
bool FindAt(const simdjson::dom::element& root, const JsonPath& path, simdjson::dom::element& out);

// The element's value as text for matching and messages: a string as is, a number or bool as JSON, null as
// "" and an object or array minified.
std::string ScalarText(const simdjson::dom::element& e);

}  // namespace datasync::datasource::rest
