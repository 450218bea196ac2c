#include "datasource/tushare/request_builder.hpp"

#include "core/strings.hpp"

namespace datasync::datasource::tushare {

std::string BuildUrl(std::string_view endpoint, UrlStyle style, std::string_view api) {
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.remove_suffix(1);
  std::string url(endpoint);
  if (style == UrlStyle::kDataApi) url.append("/dataapi/").append(api);
  return url;
}

std::string BuildRequestBody(std::string_view api, std::string_view token, const Params& params,
                             const std::vector<std::string>& fields) {
  std::string out;
  out.reserve(128 + token.size() + params.size() * 32 + fields.size() * 12);
  out.append("{\"api_name\":");
  core::AppendJsonString(out, api);
  out.append(",\"token\":");
  core::AppendJsonString(out, token);
  out.append(",\"params\":{");
  bool first = true;
  auto add = [&](std::string_view k, std::string_view v) {
    if (!first) out.push_back(',');
    first = false;
    core::AppendJsonString(out, k);
    out.push_back(':');
    core::AppendJsonString(out, v);
  };
  // Values go as strings, paging params included: the vendor accepts "6000" for its integer params, and
  // one representation keeps request bodies (and their hashes) stable.
  for (const auto& [k, v] : params) add(k, v);
  out.append("},\"fields\":");
  core::AppendJsonString(out, core::Join(fields, ","));
  out.push_back('}');
  return out;
}

}  // namespace datasync::datasource::tushare
