// How a Tushare call looks on the wire: the URL for the configured url_style and the JSON body
// {"api_name","token","params":{...},"fields":"a,b"}.
//
// The body holds the resolved token, so it is built only right before sending and never logged or
// copied into an error message. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "datasource/provider.hpp"

namespace datasync::datasource::tushare {

enum class UrlStyle : uint8_t {
  kRoot,     // POST to the endpoint itself (the classic tushare client)
  kDataApi,  // POST to <endpoint>/dataapi/<api_name> (newer clients)
};

std::string BuildUrl(std::string_view endpoint, UrlStyle style, std::string_view api);

// `fields` is always the dataset schema's field names, so the vendor returns exactly the columns the
// schema stores (and any drift shows up as missing or extra fields). Params keep their order; paging
// params (offset) are params like any other (shaping.hpp).
std::string BuildRequestBody(std::string_view api, std::string_view token, const Params& params,
                             const std::vector<std::string>& fields);

}  // namespace datasync::datasource::tushare
