#include "sync/splitter.hpp"

#include "core/dates.hpp"
#include "core/strings.hpp"

namespace datasync::sync {

namespace {

std::string* Find(datasource::Params& p, std::string_view name) {
  for (auto& [k, v] : p) {
    if (k == name) return &v;
  }
  return nullptr;
}

// Dates keep the text form they came in.
std::string FormatLike(const std::string& original, int32_t days) {
  return original.find('-') != std::string::npos ? core::FormatIsoDate(days) : core::FormatCompactDate(days);
}

}  // namespace

std::optional<std::vector<datasource::Params>> SplitParams(const datasource::Params& params) {
  datasource::Params copy = params;
  std::string* start = Find(copy, "start_date");
  std::string* end = Find(copy, "end_date");
  if (start && end) {
    auto s = core::ParseDate(*start);
    auto e = core::ParseDate(*end);
    if (s && e && *e > *s) {
      int32_t mid = *s + (*e - *s) / 2;
      datasource::Params left = params, right = params;
      *Find(left, "end_date") = FormatLike(*end, mid);
      *Find(right, "start_date") = FormatLike(*start, mid + 1);
      return std::vector<datasource::Params>{std::move(left), std::move(right)};
    }
  }
  for (size_t i = 0; i < params.size(); ++i) {
    const std::string& v = params[i].second;
    if (v.find(',') == std::string::npos) continue;
    std::vector<std::string> items = core::Split(v, ',');
    if (items.size() < 2) continue;
    size_t half = items.size() / 2;
    datasource::Params left = params, right = params;
    left[i].second = core::Join(std::vector<std::string>(items.begin(), items.begin() + half), ",");
    right[i].second = core::Join(std::vector<std::string>(items.begin() + half, items.end()), ",");
    return std::vector<datasource::Params>{std::move(left), std::move(right)};
  }
  return std::nullopt;
}

}  // namespace datasync::sync
