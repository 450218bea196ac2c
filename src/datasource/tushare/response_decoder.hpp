// Turns a Tushare response body into a Page whose batch conforms to the dataset's schema.
//
// One pass over the JSON (simdjson) straight into typed columns: the response's `fields` are mapped to
// schema positions once, then every cell is converted by the schema's type (see DecodeResponse).
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

// Conversions per schema type (JSON null, and "" for non-string types, become NULL):
//   date       "YYYYMMDD", "YYYY-MM-DD", or an integer 20240102
//   int32/64   integers, integral floats, numeric strings ("1")
//   float64    numbers or numeric strings
//   string     strings; numbers and booleans as their text
//   bool       true/false, 0/1, "Y"/"N", "1"/"0", "true"/"false"
//   timestamp  text in the source's time zone, stored as UTC
//   decimal    numbers or numeric strings at the type's scale
// Failures: a body that is not complete JSON (truncated, HTML error page) -> kTransient; a value that
// cannot be converted or a row of the wrong width -> kPermanent naming api, field, row and value.
// The body's spare capacity is used as simdjson padding when there is enough (HttpClient leaves it).
core::Result<Page> DecodeResponse(const std::string& body, const DecodeContext& ctx);

}  // namespace datasync::datasource::tushare
