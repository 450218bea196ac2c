#include "datasource/paging.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace datasync::datasource {

namespace {

// `params` with `name` set to `value`, in place when present, appended otherwise.
Params With(Params params, const std::string& name, std::string value) {
  auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
  if (it != params.end()) {
    it->second = std::move(value);
  } else {
    params.emplace_back(name, std::move(value));
  }
  return params;
}

const std::string* Find(const Params& params, const std::string& name) {
  auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
  return it == params.end() ? nullptr : &it->second;
}

}  // namespace

std::optional<Params> OffsetPager::Next(const Params& params, const PageInfo& page) const {
  if (page.rows <= 0) return std::nullopt;
  const std::string* current = Find(params, offset_param_);
  int64_t offset = current ? core::ParseInt64(*current).value_or(0) : 0;
  return With(params, offset_param_, std::to_string(offset + page.rows));
}

std::optional<Params> PageNumberPager::Next(const Params& params, const PageInfo& page) const {
  if (page.rows <= 0) return std::nullopt;
  const std::string* current = Find(params, page_param_);
  int64_t number = current ? core::ParseInt64(*current).value_or(first_page_) : first_page_;
  return With(params, page_param_, std::to_string(number + 1));
}

std::optional<Params> CursorPager::Next(const Params& params, const PageInfo& page) const {
  if (page.cursor.empty()) return std::nullopt;
  if (const std::string* current = Find(params, cursor_param_); current && *current == page.cursor) {
    return std::nullopt;
  }
  return With(params, cursor_param_, page.cursor);
}

}  // namespace datasync::datasource
