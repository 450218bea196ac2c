#include "datasource/splitting.hpp"

#include <algorithm>

#include "core/dates.hpp"
#include "core/strings.hpp"

namespace datasync::datasource {

namespace {

std::string* Find(Params& params, const std::string& name) {
  for (auto& [k, v] : params) {
    if (k == name) return &v;
  }
  return nullptr;
}

std::string Format(DateFormat format, const std::string& original, int32_t days) {
  switch (format) {
    case DateFormat::kCompact: return core::FormatCompactDate(days);
    case DateFormat::kIso: return core::FormatIsoDate(days);
    case DateFormat::kAsGiven: break;
  }
  return original.find('-') != std::string::npos ? core::FormatIsoDate(days) : core::FormatCompactDate(days);
}

}  // namespace

std::optional<std::vector<Params>> DateWindowSplitter::Split(const Params& params) const {
  Params left = params, right = params;
  std::string* start = Find(left, start_param_);
  std::string* end = Find(left, end_param_);
  if (!start || !end) return std::nullopt;
  auto s = core::ParseDate(*start);
  auto e = core::ParseDate(*end);
  if (!s || !e || *e <= *s) return std::nullopt;
  int32_t mid = *s + (*e - *s) / 2;
  *Find(right, start_param_) = Format(format_, *start, mid + 1);
  *end = Format(format_, *end, mid);
  if (format_ != DateFormat::kAsGiven) {  // the outer bounds too: every date sent in the one format
    *start = Format(format_, *start, *s);
    *Find(right, end_param_) = Format(format_, *start, *e);
  }
  return std::vector<Params>{std::move(left), std::move(right)};
}

std::optional<std::vector<Params>> KeyListSplitter::Split(const Params& params) const {
  for (size_t i = 0; i < params.size(); ++i) {
    const auto& [name, value] = params[i];
    if (!params_.empty() && std::find(params_.begin(), params_.end(), name) == params_.end()) continue;
    if (value.find(separator_) == std::string::npos) continue;
    std::vector<std::string> keys = core::Split(value, separator_);
    if (keys.size() < 2) continue;
    size_t half = keys.size() / 2;
    const std::string sep(1, separator_);
    Params left = params, right = params;
    left[i].second = core::Join(std::vector<std::string>(keys.begin(), keys.begin() + half), sep);
    right[i].second = core::Join(std::vector<std::string>(keys.begin() + half, keys.end()), sep);
    return std::vector<Params>{std::move(left), std::move(right)};
  }
  return std::nullopt;
}

}  // namespace datasync::datasource
