#include "datasource/json_parser.hpp"

#include <algorithm>

namespace datasync::datasource {

simdjson::dom::parser& ThreadJsonParser(size_t bytes) {
  thread_local simdjson::dom::parser parser;
  if (bytes > parser.capacity()) {
    // A failed allocation leaves the parser as it was; parse then allocates exactly or reports the error.
    simdjson::error_code grown = parser.allocate(std::max<size_t>(bytes + bytes / 2, size_t{64} * 1024));
    static_cast<void>(grown);
  }
  return parser;
}

}  // namespace datasync::datasource
