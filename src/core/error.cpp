#include "core/error.hpp"

#include <array>

namespace datasync::core {

namespace {
constexpr std::array<std::string_view, 11> kKindNames = {
    "CONFIG",    "INVALID_INPUT", "RATE_LIMITED", "QUOTA_EXHAUSTED", "PERMISSION", "TRANSIENT",
    "TRUNCATED", "PERMANENT",     "INTERNAL",     "NOT_FOUND",       "CONFLICT",
};
}  // namespace

std::string_view ErrorKindName(ErrorKind kind) { return kKindNames.at(static_cast<size_t>(kind)); }

std::optional<ErrorKind> ParseErrorKind(std::string_view name) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<ErrorKind>(i);
  }
  return std::nullopt;
}

std::string_view QuotaWindowName(QuotaWindow w) {
  switch (w) {
    case QuotaWindow::kMinute: return "minute";
    case QuotaWindow::kHour: return "hour";
    case QuotaWindow::kDay: return "day";
  }
  return "?";
}

Error& Error::Context(std::string_view where) {
  std::string m;
  m.reserve(where.size() + 2 + message_.size());
  m.append(where).append(": ").append(message_);
  message_ = std::move(m);
  return *this;
}

std::string Error::ToString() const {
  std::string s(ErrorKindName(kind_));
  s.append(": ").append(message_);
  if (!code_.empty()) s.append(" (code ").append(code_).append(")");
  return s;
}

}  // namespace datasync::core
