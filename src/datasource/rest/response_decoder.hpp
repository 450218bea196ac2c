// A rest answer into a Page: the body parsed once (simdjson DOM, with single bad values repaired as for
// every JSON provider: datasource/json_repair.hpp), the source's error rules and the status defaults applied
// (error_rules.hpp), the records found where the dataset says (an array of objects, or rows plus a column
// list) and conformed to the dataset's schema (datasource/json_conform.hpp), and the paging signal read
// (a cursor at cursor_path, a full page, the Link header's next URL on the endpoint's origin) into the
// verdict through the dataset's RequestShaping. Every next page carries the page chain's bookkeeping
// (datasource/page_chain.hpp: _rest.rows, _rest.page; never sent): an answer an error rule of class
// RESTART_PAGING matches, to a page after the first, is an empty page whose next request restarts the
// pages from the first (_rest.skip = the rows kept, _rest.restarts + 1), and a restarted chain's pages drop
// those rows before any is conformed; on a first page, or past 5 restarts, it fails as INVALID_INPUT.
// Thread-safe: each thread keeps its own parser.
#pragma once

#include <string>

#include "core/error.hpp"
#include "core/time_zone.hpp"
#include "datasource/provider.hpp"
#include "datasource/rest/error_rules.hpp"
#include "datasource/rest/rest_options.hpp"

namespace datasync::datasource::rest {

struct DecodeInput {
  const Dataset* dataset = nullptr;  // schema required
  const SourceSettings* source = nullptr;
  const DatasetSettings* settings = nullptr;
  const core::TimeZone* tz = nullptr;  // timestamps without an offset; UTC when null
  const Params* params = nullptr;      // the request's, for the next page
  ClassifyContext classify;            // prefix, now, tz, waits, advice
};

// Failures: a rule's or the status's class (error_rules.hpp); a 2xx body that is not JSON -> kTransient;
// JSON without an array where the dataset says the records are -> kPermanent bad_shape (naming the path and
// what is there: a misconfigured selector, or an error answer no rule names yet); a value the schema's type
// cannot hold -> kPermanent bad_value naming the row, field and value; a Link to another origin ->
// kPermanent.
core::Result<Page> DecodeAnswer(const RawResponse& response, const DecodeInput& in);

// The answer's records untyped (`dataset sample`): the same error rules, selectors and failures as
// DecodeAnswer; the dataset's schema is not read. Records' keys in the order they first appear (a key only
// a later record has is a field too); a record that is not an object, or a row of another width than the
// column list -> kPermanent bad_row.
core::Result<RecordSample> SampleAnswer(const RawResponse& response, const DecodeInput& in);

}  // namespace datasync::datasource::rest
