#include "datasource/tushare/response_decoder.hpp"

#include <simdjson.h>

#include "core/excerpt.hpp"
#include "core/strings.hpp"
#include "datasource/json_conform.hpp"

namespace datasync::datasource::tushare {

namespace {

using core::ErrorKind;
using simdjson::dom::element;

// The DOM parser validates the whole document before we read it, so a truncated body can never pass
// as a shorter valid one; its buffers are sized to the largest response seen and then reused.
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

std::string Prefix(std::string_view api) {
  return "tushare " + std::string(api) + ": ";
}

tl::unexpected<core::Error> Failure(ErrorKind kind, std::string_view code, std::string message) {
  core::Error e(kind, std::move(message));
  e.WithCode(std::string(code));
  return tl::unexpected<core::Error>(std::move(e));
}

// A body that is not a complete JSON document. An HTML page (a proxy's or gateway's error page) and a
// body cut short are both worth retrying; the message says which one it looked like.
tl::unexpected<core::Error> NotJson(std::string_view api, const std::string& body, simdjson::error_code err) {
  std::string_view trimmed = core::Trim(body);
  if (trimmed.empty()) {
    return Failure(ErrorKind::kTransient, "malformed_json", Prefix(api) + "empty response body from the vendor");
  }
  if (trimmed.front() != '{' && trimmed.front() != '[') {
    return Failure(ErrorKind::kTransient, "not_json",
                   Prefix(api) + "the vendor answered with something that is not JSON (" + std::to_string(body.size()) +
                       " bytes, starting with: " + Excerpt(trimmed) + "); usually a gateway or proxy error page");
  }
  return Failure(ErrorKind::kTransient, "malformed_json",
                 "truncated or malformed response from " + std::string(api) + ": " + simdjson::error_message(err) +
                     " (" + std::to_string(body.size()) + " bytes, ending with: " + core::ExcerptTail(trimmed, 40) +
                     ")");
}

tl::unexpected<core::Error> BadShape(std::string_view api, std::string what) {
  return Failure(ErrorKind::kTransient, "bad_shape",
                 Prefix(api) + "the response is JSON but not a Tushare answer: " + what);
}

}  // namespace

core::Result<Page> DecodeResponse(const std::string& body, const DecodeContext& ctx) {
  const Dataset& ds = *ctx.dataset;
  const std::string_view api = ds.api;

  element root;
  if (auto err = ThreadParser().parse(body).get(root); err != simdjson::SUCCESS) return NotJson(api, body, err);
  simdjson::dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) return BadShape(api, "the top level is not an object");

  element code_el;
  if (top["code"].get(code_el) != simdjson::SUCCESS) return BadShape(api, "no 'code' member");
  std::optional<int64_t> code = JsonInteger(code_el);
  if (!code) return BadShape(api, "'code' is " + Excerpt(simdjson::minify(code_el)) + ", not an integer");
  if (*code != 0) {
    std::string_view msg;
    element msg_el;
    if (top["msg"].get(msg_el) == simdjson::SUCCESS && msg_el.is_string()) msg = msg_el.get_string().value_unsafe();
    return tl::unexpected<core::Error>(ClassifyBusinessError(*code, msg, ctx.errors));
  }

  simdjson::dom::object data;
  if (top["data"].get_object().get(data) != simdjson::SUCCESS) return BadShape(api, "code 0 without a 'data' object");
  simdjson::dom::array fields, items;
  if (data["fields"].get_array().get(fields) != simdjson::SUCCESS) return BadShape(api, "no 'data.fields' array");
  if (data["items"].get_array().get(items) != simdjson::SUCCESS) return BadShape(api, "no 'data.items' array");

  JsonConformer conform(ds.schema, ctx.tz, ConformLabels{Prefix(api), "items", "'fields'"});
  for (element f : fields) {
    std::string_view name;
    if (f.get_string().get(name) != simdjson::SUCCESS) {
      return BadShape(api, "a field name is " + Excerpt(simdjson::minify(f)) + ", not a string");
    }
    conform.AddField(name);
  }
  conform.ReserveRows(items.size());
  for (element item : items) {
    if (auto st = conform.AppendArrayRow(item); !st) return tl::unexpected(st.error());
  }
  const int64_t rows = static_cast<int64_t>(conform.rows());
  Page page = std::move(conform).Finish();

  ResponseSignals signals;
  signals.rows = rows;
  signals.row_cap = ds.row_cap;
  element has_more;
  if (data["has_more"].get(has_more) == simdjson::SUCCESS) {
    if (has_more.is_bool())
      signals.has_more = has_more.get_bool().value_unsafe();
    else if (auto v = JsonInteger(has_more))
      signals.has_more = *v != 0;
  }
  static const RequestShaping kUnpaged;
  static const Params kNoParams;
  page.verdict = (ctx.shaping ? *ctx.shaping : kUnpaged).Judge(ctx.params ? *ctx.params : kNoParams, signals);
  return page;
}

}  // namespace datasync::datasource::tushare
