#include "storage/history.hpp"

#include "core/strings.hpp"

namespace datasync::storage {

bool IsVersionColumn(std::string_view column) {
  std::string c = core::ToLower(column);
  return c == kValidFrom || c == kValidTo;
}

std::string VersionFilter(std::string_view quoted_from, std::string_view quoted_to, std::string_view as_of_literal) {
  if (as_of_literal.empty()) return std::string(quoted_to) + " IS NULL";
  std::string at(as_of_literal);
  return std::string(quoted_from) + " <= " + at + " AND (" + std::string(quoted_to) + " IS NULL OR " +
         std::string(quoted_to) + " > " + at + ")";
}

}  // namespace datasync::storage
