// Turns a Tushare response body into a Page whose batch conforms to the dataset's schema.
//
// One pass over the JSON (simdjson) straight into typed columns: Tushare's envelope is read here, its
// `fields` and `items` go through the shared JsonConformer (datasource/json_conform.hpp).
// Business errors (code != 0) are classified through error_classifier.hpp; `has_more` and the dataset's
// row cap become the Page's verdict through the request's shaping.
// Thread-safe: each thread keeps its own parser, reused across calls so its buffers are allocated once.
#pragma once

#include <string>

#include "core/error.hpp"
#include "datasource/provider.hpp"
#include "datasource/request_shaping.hpp"
#include "datasource/tushare/error_classifier.hpp"

namespace datasync::datasource::tushare {

struct DecodeContext {
  const Dataset* dataset = nullptr;         // api, schema (required), row_cap
  const core::TimeZone* tz = nullptr;       // how timestamps without an offset are read; UTC when null
  ErrorContext errors;                      // for classifying code != 0
  const Params* params = nullptr;           // the request's params, for the next page; none when null
  const RequestShaping* shaping = nullptr;  // judges has_more and the row cap; unpaged when null
};

// Conversions per schema type: datasource/json_conform.hpp.
// Failures: a body that is not complete JSON (truncated, HTML error page) -> kTransient; a value that
// cannot be converted or a row of the wrong width -> kPermanent naming api, field, row and value.
// A complete body that the strict parser refuses only for single values (an integer beyond 64 bits,
// invalid UTF-8, a raw control character in a string) is read through RepairJsonValues
// (datasource/json_repair.hpp): each such value is then stored where its column's type allows (a string
// column gets the digits, or the text with U+FFFD, and the Page a warning) or fails the page as kPermanent
// with the value's byte offset (an integer column given 2^70) - never kTransient, which would retry.
// The body's spare capacity is used as simdjson padding when there is enough (HttpClient leaves it).
core::Result<Page> DecodeResponse(const std::string& body, const DecodeContext& ctx);

}  // namespace datasync::datasource::tushare
