#include "app/argument_days.hpp"

#include "core/dates.hpp"

namespace datasync::app {

const std::string* FindParam(const datasource::Params& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::optional<DaySpan> DaysAsked(const datasource::Params& params, const std::string& date_key) {
  DaySpan span;
  if (const std::string* day = date_key.empty() ? nullptr : FindParam(params, date_key)) {
    auto d = core::ParseDate(*day);
    if (!d) return std::nullopt;
    span.first = span.last = *d;
    return span;
  }
  if (const std::string* s = FindParam(params, kStartParam)) {
    auto d = core::ParseDate(*s);
    if (!d) return std::nullopt;
    span.first = *d;
  }
  if (const std::string* e = FindParam(params, kEndParam)) {
    auto d = core::ParseDate(*e);
    if (!d) return std::nullopt;
    span.last = *d;
  }
  return span;
}

}  // namespace datasync::app
