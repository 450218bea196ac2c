// Turns a Nasdaq Data Link answer into a Page whose batch conforms to the dataset's schema, or into a
// classified Error (error_classifier.hpp).
//
// Both answer formats, parsed once with simdjson straight into typed columns through the shared
// JsonConformer (datasource/json_conform.hpp):
//   Tables API       {"datatable":{"data":[[...]],"columns":[{"name","type"}]},"meta":{"next_cursor_id":...}}
//   Time-series API  {"dataset_data":{"column_names":[...],"data":[[...]],...}}
// The vendor's column names map to the schema's fields as they are, else through FieldName ("Adj. Close"
// -> adj_close, how the importer names them). A table page with a next_cursor_id asks for the next page
// (cursor_chain.hpp), after dropping the rows a restarted chain has already kept; an invalid cursor
// (QESx06) answers an empty page whose next request restarts the chain.
// Thread-safe: each thread keeps its own parser, reused across calls so its buffers are allocated once.
#pragma once

#include <string>
#include <string_view>

#include "core/error.hpp"
#include "datasource/nasdaq/error_classifier.hpp"
#include "datasource/nasdaq/request_builder.hpp"
#include "datasource/provider.hpp"

namespace datasync::datasource::nasdaq {

struct DecodeContext {
  const Dataset* dataset = nullptr;    // schema (required)
  NdlApi api;                          // which format to expect
  const core::TimeZone* tz = nullptr;  // how DateTime values without an offset are read; UTC when null
  ErrorContext errors;                 // for classifying vendor errors
  const Params* params = nullptr;      // the request's params (cursor chain); none when null
};

// Failures: a vendor error object or a non-200 status -> its class (error_classifier.hpp); a body that is
// not complete JSON or not one of the two envelopes -> kTransient (a gateway's page, a cut body); a value
// that does not fit its field's type or a row of the wrong width -> kPermanent naming row, field and value.
core::Result<Page> DecodeResponse(long http_status, std::string_view retry_after, const std::string& body,
                                  const DecodeContext& ctx);

// A vendor column name as a field name: lower case, every run of other characters than [a-z0-9] one '_',
// none at either end ("Adj. Close" -> "adj_close", "Ex-Dividend" -> "ex_dividend"); "column" when nothing is left.
std::string FieldName(std::string_view vendor_column);

}  // namespace datasync::datasource::nasdaq
