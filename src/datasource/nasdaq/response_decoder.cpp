#include "datasource/nasdaq/response_decoder.hpp"

#include <simdjson.h>

#include <algorithm>

#include "core/excerpt.hpp"
#include "core/strings.hpp"
#include "datasource/json_conform.hpp"
#include "datasource/json_long_numbers.hpp"
#include "datasource/json_parser.hpp"
#include "datasource/json_repair.hpp"
#include "datasource/nasdaq/cursor_chain.hpp"

namespace datasync::datasource::nasdaq {

namespace {

using core::ErrorKind;
using simdjson::dom::element;

std::string Prefix(const DecodeContext& ctx) {
  return "nasdaq_data_link " + ctx.api.path + ": ";
}

tl::unexpected<core::Error> Failure(ErrorKind kind, std::string_view code, std::string message) {
  core::Error e(kind, RedactApiKey(message));
  e.WithCode(std::string(code));
  return tl::unexpected<core::Error>(std::move(e));
}

tl::unexpected<core::Error> NotJson(const DecodeContext& ctx, const std::string& body, simdjson::error_code err) {
  std::string_view trimmed = core::Trim(body);
  if (trimmed.empty()) {
    return Failure(ErrorKind::kTransient, "malformed_json", Prefix(ctx) + "empty response body from the vendor");
  }
  if (trimmed.front() != '{' && trimmed.front() != '[') {
    return Failure(ErrorKind::kTransient, "not_json",
                   Prefix(ctx) + "the vendor answered with something that is not JSON (" + std::to_string(body.size()) +
                       " bytes, starting with: " + core::Excerpt(trimmed) + "); usually a gateway or proxy error page");
  }
  return Failure(ErrorKind::kTransient, "malformed_json",
                 Prefix(ctx) + "truncated or malformed response: " + simdjson::error_message(err) + " (" +
                     std::to_string(body.size()) + " bytes, ending with: " + core::ExcerptTail(trimmed, 40) + ")");
}

tl::unexpected<core::Error> BadShape(const DecodeContext& ctx, std::string what) {
  return Failure(ErrorKind::kTransient, "bad_shape",
                 Prefix(ctx) + "the response is JSON but not a Nasdaq Data Link answer: " + what);
}

bool ValueError(simdjson::error_code err) {
  return err == simdjson::NUMBER_ERROR || err == simdjson::UTF8_ERROR || err == simdjson::STRING_ERROR ||
         err == simdjson::UNESCAPED_CHARS;
}

std::string_view StringOr(simdjson::dom::object o, std::string_view key, std::string_view fallback = {}) {
  std::string_view v;
  if (o[key].get_string().get(v) == simdjson::SUCCESS) return v;
  return fallback;
}

// The vendor's error object, if the answer is one: {"quandl_error":{...}} (also {"error":{...}}, which newer
// answers and the official client's handler use).
bool VendorError(simdjson::dom::object top, std::string_view& code, std::string_view& message) {
  for (std::string_view key : {"quandl_error", "error"}) {
    simdjson::dom::object err;
    if (top[key].get_object().get(err) != simdjson::SUCCESS) continue;
    code = StringOr(err, "code");
    message = StringOr(err, "message");
    return true;
  }
  return false;
}

void AddFields(JsonConformer& conform, const core::Schema& schema, std::string_view vendor_name) {
  if (schema.IndexOf(vendor_name)) {
    conform.AddField(vendor_name);
    return;
  }
  std::string mapped = FieldName(vendor_name);
  conform.AddField(schema.IndexOf(mapped) ? std::string_view(mapped) : vendor_name);
}

}  // namespace

std::string FieldName(std::string_view vendor_column) {
  std::string out;
  out.reserve(vendor_column.size());
  bool gap = false;
  for (unsigned char c : vendor_column) {
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<unsigned char>(c - 'A' + 'a');
      alnum = true;
    }
    if (!alnum) {
      gap = true;
      continue;
    }
    if (gap && !out.empty()) out.push_back('_');
    gap = false;
    out.push_back(static_cast<char>(c));
  }
  return out.empty() ? std::string("column") : out;
}

// A time series answer has no column naming the series: its `code` field (datasets imported from the
// metadata have one, so several codes share a table) takes the request's `code` param in every row.
Page WithSeriesCode(Page page, const core::Schema& schema, const Params& params) {
  auto at = schema.IndexOf("code");
  auto missing = std::find(page.missing_fields.begin(), page.missing_fields.end(), "code");
  if (!at || missing == page.missing_fields.end() || schema.field(*at).type.id != core::TypeId::kString) return page;
  auto param = std::find_if(params.begin(), params.end(), [](const auto& p) { return p.first == "code"; });
  if (param == params.end()) return page;
  core::Column filled(schema.field(*at).type);
  for (size_t r = 0; r < page.batch.num_rows(); ++r) filled.AppendString(param->second);
  page.batch.column(*at) = std::move(filled);
  page.missing_fields.erase(missing);
  return page;
}

core::Result<Page> DecodeResponse(long http_status, std::string_view retry_after, const std::string& body,
                                  const DecodeContext& ctx) {
  const Dataset& ds = *ctx.dataset;
  static const Params kNoParams;
  const Params& params = ctx.params ? *ctx.params : kNoParams;

  // BigDecimal values come as JSON numbers with up to 34 digits: quoted first, so a decimal column gets the
  // digits the vendor wrote and not the nearest double (json_long_numbers.hpp).
  std::optional<std::string> quoted;
  if (ds.schema && HasDecimalField(*ds.schema)) quoted = QuoteLongNumbers(body);
  const std::string& text = quoted ? *quoted : body;
  element root;
  std::optional<RepairedJson> repaired;
  if (auto err = ThreadJsonParser(text.size()).parse(text).get(root); err != simdjson::SUCCESS) {
    // An answer that is not JSON with a failing status (a proxy's HTML page, QEAx07's empty 202) is that status.
    if (auto e = ClassifyBareStatus(http_status, retry_after, body, ctx.errors)) return tl::unexpected(std::move(*e));
    // A complete body with one value the parser cannot take is the vendor's data: retrying gets the same
    // bytes, so read it with the value repaired; the conformer then decides by the column's type.
    if (ValueError(err)) repaired = RepairJsonValues(text);
    if (!repaired || ThreadJsonParser(repaired->text.size()).parse(repaired->text).get(root) != simdjson::SUCCESS) {
      return NotJson(ctx, body, err);
    }
  }
  simdjson::dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) {
    if (auto e = ClassifyBareStatus(http_status, retry_after, body, ctx.errors)) return tl::unexpected(std::move(*e));
    return BadShape(ctx, "the top level is not an object");
  }

  std::string_view code, message;
  if (VendorError(top, code, message)) {
    if (code == "QESx06") {
      if (auto first = RestartParams(params)) {
        // The cursor expired: the chain starts again from its first page, dropping what it already kept.
        Page page{core::ColumnBatch(ds.schema)};
        page.verdict = PageVerdict::NextPage(std::move(*first));
        page.warnings.push_back(Prefix(ctx) +
                                "the vendor no longer accepts this task's cursor (QESx06); "
                                "restarting its pages from the first, skipping the " +
                                std::to_string(ReadChain(params).rows) + " row(s) already stored");
        return page;
      }
    }
    return tl::unexpected(ClassifyVendorError(http_status, retry_after, code, message, ctx.errors));
  }
  if (auto e = ClassifyBareStatus(http_status, retry_after, body, ctx.errors)) return tl::unexpected(std::move(*e));

  const bool table = ctx.api.kind == NdlApi::Kind::kTable;
  simdjson::dom::object envelope;
  simdjson::dom::array columns, data;
  if (table) {
    if (top["datatable"].get_object().get(envelope) != simdjson::SUCCESS) return BadShape(ctx, "no 'datatable' object");
    if (envelope["columns"].get_array().get(columns) != simdjson::SUCCESS) {
      return BadShape(ctx, "no 'datatable.columns' array");
    }
  } else {
    if (top["dataset_data"].get_object().get(envelope) != simdjson::SUCCESS) {
      return BadShape(ctx, "no 'dataset_data' object");
    }
    if (envelope["column_names"].get_array().get(columns) != simdjson::SUCCESS) {
      return BadShape(ctx, "no 'dataset_data.column_names' array");
    }
  }
  if (envelope["data"].get_array().get(data) != simdjson::SUCCESS) {
    return BadShape(ctx, std::string("no '") + (table ? "datatable" : "dataset_data") + ".data' array");
  }

  const std::string rows_label = table ? "datatable.data" : "dataset_data.data";
  JsonConformer conform(ds.schema, ctx.tz,
                        ConformLabels{Prefix(ctx), rows_label, table ? "'columns'" : "'column_names'"});
  for (element c : columns) {
    std::string_view name;
    if (table) {
      simdjson::dom::object col;
      if (c.get_object().get(col) != simdjson::SUCCESS || col["name"].get_string().get(name) != simdjson::SUCCESS) {
        return BadShape(ctx, "a column is " + core::Excerpt(simdjson::minify(c)) + ", not {\"name\":...,\"type\":...}");
      }
    } else if (c.get_string().get(name) != simdjson::SUCCESS) {
      return BadShape(ctx, "a column name is " + core::Excerpt(simdjson::minify(c)) + ", not a string");
    }
    AddFields(conform, *ds.schema, name);
  }

  const int64_t page_rows = static_cast<int64_t>(data.size());
  int64_t drop = table ? RowsToDrop(params, page_rows) : 0;
  conform.ReserveRows(static_cast<size_t>(page_rows - drop));
  for (element row : data) {
    if (drop > 0) {
      --drop;
      continue;
    }
    if (auto st = conform.AppendArrayRow(row); !st) return tl::unexpected(st.error());
  }
  Page page = std::move(conform).Finish();
  if (repaired) {
    for (const auto& r : repaired->repairs) {
      if (page.warnings.size() >= 5) break;
      page.warnings.push_back(Prefix(ctx) + "in " + r.PathText() + ": " + r.What() + " at byte " +
                              std::to_string(r.offset) + " of the response; read as repaired");
    }
  }
  if (!table) return WithSeriesCode(std::move(page), *ds.schema, params);  // a whole window at once

  simdjson::dom::object meta;
  std::string_view next;
  if (top["meta"].get_object().get(meta) == simdjson::SUCCESS) next = StringOr(meta, "next_cursor_id");
  if (next.empty()) return page;
  if (auto following = NextPageParams(params, next, page_rows)) {
    page.verdict = PageVerdict::NextPage(std::move(*following));
    return page;
  }
  return Failure(ErrorKind::kTransient, "cursor_loop",
                 Prefix(ctx) + "the vendor answered the next_cursor_id this request sent (" + core::Excerpt(next, 40) +
                     "); following it would loop");
}

}  // namespace datasync::datasource::nasdaq
