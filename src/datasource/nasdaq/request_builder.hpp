// How a Nasdaq Data Link call looks on the wire (https://docs.data.nasdaq.com/docs/tables-1,
// https://docs.data.nasdaq.com/docs/time-series): which API a dataset names, and the GET URL or, for a URL
// past kMaxGetUrlLength, the POST with a JSON body that the official client sends instead
// (Nasdaq/data-link-python: utils/request_type_util.py, util.py _convert_options_for_post_request).
//
// Dataset::api names the API: "datatables/PUBLISHER/TABLE" (Tables API, cursor-paged, params are filters
// `col=v`, `col=v1,v2`, `col.gte=v`...) or "datasets/DATABASE" (time series; the request param `code` names
// the series, the others are start_date, end_date, order, limit, collapse, transform, column_index).
// Params whose name starts with '_' are the provider's own bookkeeping (cursor_chain.hpp) and never sent.
//
// The URL may hold the API key (key_in: query); it is built only right before sending and never logged or
// quoted: RedactApiKey removes it from any text that might. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "datasource/provider.hpp"

namespace datasync::datasource::nasdaq {

// The official client switches to POST at this URL length (about what many web servers accept).
inline constexpr size_t kMaxGetUrlLength = 6300;
inline constexpr int64_t kMaxPerPage = 10000;  // the vendor's page size limit

struct NdlApi {
  enum class Kind : uint8_t { kTable, kTimeSeries };
  Kind kind = Kind::kTable;
  std::string path;  // "datatables/QSIM/EQ" or "datasets/WIKI"
};

// "datatables/P/T" or "datasets/DB" (each part letters, digits, _ or -); kConfig naming the forms otherwise.
core::Result<NdlApi> ParseApi(std::string_view api);

enum class KeyIn : uint8_t { kHeader, kQuery };

struct RequestOptions {
  std::string_view api_key;  // resolved; empty = anonymous
  KeyIn key_in = KeyIn::kHeader;
  int64_t per_page = kMaxPerPage;
};

struct WireRequest {
  std::string method;  // GET or POST
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // POST only
};

// The call for one request. Tables: the params as filters, qopts.columns (the schema's fields) and
// qopts.per_page unless the params set them. Time series: `code` goes into the path (kInvalidInput when
// missing), order=asc unless given. A GET URL of kMaxGetUrlLength characters or more becomes a POST to the
// same path whose JSON body holds the same params (comma lists and qopts.columns as arrays).
core::Result<WireRequest> BuildRequest(std::string_view endpoint, const NdlApi& api, const Params& params,
                                       const std::vector<std::string>& columns, const RequestOptions& options);

// The metadata URL of an API ("datatables/P/T" or "datasets/DB/CODE") without any key.
std::string MetadataUrl(std::string_view endpoint, std::string_view api_with_code);

// `text` with the value of every api_key= query parameter replaced by "***".
std::string RedactApiKey(std::string_view text);

// Percent-encodes a query component (RFC 3986 unreserved characters stay as they are).
void AppendQueryComponent(std::string& out, std::string_view s);

}  // namespace datasync::datasource::nasdaq
