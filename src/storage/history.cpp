#include "storage/history.hpp"

#include "core/dates.hpp"
#include "core/strings.hpp"

namespace datasync::storage {

bool IsVersionColumn(std::string_view column) {
  std::string c = core::ToLower(column);
  return c == kValidFrom || c == kValidTo;
}

core::Result<int64_t> AsOfTime(const std::string& as_of, bool versioned, const std::string& table) {
  auto micros = core::ParseTimestamp(as_of);
  if (!micros) {
    return core::Fail(core::ErrorKind::kInvalidInput,
                      "'" + as_of + "' is not a time; give a UTC timestamp such as 2024-05-01T08:00:00 or 2024-05-01");
  }
  if (!versioned) {
    return core::Fail(core::ErrorKind::kInvalidInput,
                      table + " keeps no history; reading it as of a time needs a plan with history: true");
  }
  return *micros;
}

std::string VersionFilter(std::string_view quoted_from, std::string_view quoted_to, std::string_view as_of_literal) {
  if (as_of_literal.empty()) return std::string(quoted_to) + " IS NULL";
  std::string at(as_of_literal);
  return std::string(quoted_from) + " <= " + at + " AND (" + std::string(quoted_to) + " IS NULL OR " +
         std::string(quoted_to) + " > " + at + ")";
}

}  // namespace datasync::storage
