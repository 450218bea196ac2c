#include "datasource/tushare/response_decoder.hpp"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <limits>

#include "core/dates.hpp"
#include "core/strings.hpp"

namespace datasync::datasource::tushare {

namespace {

using core::ErrorKind;
using core::TypeId;
using simdjson::dom::element;
using simdjson::dom::element_type;

// The DOM parser validates the whole document before we read it, so a truncated body can never pass
// as a shorter valid one; its buffers are sized to the largest response seen and then reused.
simdjson::dom::parser& ThreadParser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// Where one vendor column goes in the batch; column < 0 means it is not in the schema.
struct Target {
  int column = -1;
  TypeId type = TypeId::kString;
  uint8_t scale = 0;
};

std::string_view Str(element e) {
  return e.get_string().value_unsafe();
}

// Vendor text rarely has surrounding spaces; checking the ends first keeps the common case off the
// locale-aware isspace calls that core::Trim makes (measurable at 6000 dates per response).
std::string_view Trimmed(std::string_view s) {
  if (!s.empty() && static_cast<unsigned char>(s.front()) > ' ' && static_cast<unsigned char>(s.back()) > ' ') return s;
  return core::Trim(s);
}

void AppendIntText(core::Column& c, int64_t v) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, v);
  c.AppendString(std::string_view(buf, static_cast<size_t>(p - buf)));
}

std::string IntText(element e) {
  return e.type() == element_type::UINT64 ? std::to_string(e.get_uint64().value_unsafe())
                                          : std::to_string(e.get_int64().value_unsafe());
}

// An integer value of any JSON representation, when it is exactly one.
std::optional<int64_t> AsInteger(element e) {
  switch (e.type()) {
    case element_type::INT64: return e.get_int64().value_unsafe();
    case element_type::UINT64: return std::nullopt;  // above INT64_MAX
    case element_type::DOUBLE: {
      double d = e.get_double().value_unsafe();
      if (std::nearbyint(d) != d || std::abs(d) > 9.0e18) return std::nullopt;
      return static_cast<int64_t>(d);
    }
    case element_type::STRING: {
      std::string_view s = Trimmed(Str(e));
      if (auto v = core::ParseInt64(s)) return v;
      auto d = core::ParseDouble(s);
      if (!d || std::nearbyint(*d) != *d || std::abs(*d) > 9.0e18) return std::nullopt;
      return static_cast<int64_t>(*d);
    }
    default: return std::nullopt;
  }
}

// Appends one cell converted to the column's type; false when the value cannot be represented.
// NULL and, for every type but string, the empty string become NULL: the vendor sends "" for "no value"
// in some text-typed columns that a dataset stores as numbers or dates.
bool AppendCell(core::Column& col, const Target& t, element e, const core::TimeZone& tz) {
  const element_type jt = e.type();
  if (jt == element_type::NULL_VALUE) {
    col.AppendNull();
    return true;
  }
  if (jt == element_type::STRING && t.type != TypeId::kString && Trimmed(Str(e)).empty()) {
    col.AppendNull();
    return true;
  }
  switch (t.type) {
    case TypeId::kFloat64:
      switch (jt) {
        case element_type::DOUBLE: col.AppendFloat64(e.get_double().value_unsafe()); return true;
        case element_type::INT64: col.AppendFloat64(static_cast<double>(e.get_int64().value_unsafe())); return true;
        case element_type::UINT64: col.AppendFloat64(static_cast<double>(e.get_uint64().value_unsafe())); return true;
        case element_type::STRING:
          if (auto v = core::ParseDouble(Trimmed(Str(e)))) {
            col.AppendFloat64(*v);
            return true;
          }
          return false;
        default: return false;
      }
    case TypeId::kString:
      switch (jt) {
        case element_type::STRING: col.AppendString(Str(e)); return true;
        case element_type::INT64: AppendIntText(col, e.get_int64().value_unsafe()); return true;
        case element_type::UINT64: col.AppendString(std::to_string(e.get_uint64().value_unsafe())); return true;
        case element_type::DOUBLE: col.AppendString(core::FormatDouble(e.get_double().value_unsafe())); return true;
        case element_type::BOOL: col.AppendString(e.get_bool().value_unsafe() ? "true" : "false"); return true;
        default: return false;
      }
    case TypeId::kDate:
      switch (jt) {
        case element_type::STRING:
          if (auto d = core::ParseDate(Trimmed(Str(e)))) {
            col.AppendInt32(*d);
            return true;
          }
          return false;
        case element_type::INT64: {
          int64_t v = e.get_int64().value_unsafe();
          if (v < 10000101 || v > 99991231) return false;
          if (auto d = core::ParseDate(std::to_string(v))) {
            col.AppendInt32(*d);
            return true;
          }
          return false;
        }
        default: return false;
      }
    case TypeId::kInt32:
    case TypeId::kInt64: {
      auto v = AsInteger(e);
      if (!v) return false;
      if (t.type == TypeId::kInt32) {
        if (*v < std::numeric_limits<int32_t>::min() || *v > std::numeric_limits<int32_t>::max()) return false;
        col.AppendInt32(static_cast<int32_t>(*v));
      } else {
        col.AppendInt64(*v);
      }
      return true;
    }
    case TypeId::kBool:
      switch (jt) {
        case element_type::BOOL: col.AppendBool(e.get_bool().value_unsafe()); return true;
        case element_type::INT64: {
          int64_t v = e.get_int64().value_unsafe();
          if (v != 0 && v != 1) return false;
          col.AppendBool(v == 1);
          return true;
        }
        case element_type::STRING: {
          std::string s = core::ToLower(Trimmed(Str(e)));
          if (s == "y" || s == "1" || s == "true" || s == "t" || s == "yes") {
            col.AppendBool(true);
            return true;
          }
          if (s == "n" || s == "0" || s == "false" || s == "f" || s == "no") {
            col.AppendBool(false);
            return true;
          }
          return false;
        }
        default: return false;
      }
    case TypeId::kTimestamp: {
      std::optional<int64_t> local;
      if (jt == element_type::STRING)
        local = core::ParseTimestamp(Trimmed(Str(e)));
      else if (jt == element_type::INT64)
        local = core::ParseTimestamp(IntText(e));
      if (!local) return false;
      col.AppendInt64(tz.LocalToUtc(*local));
      return true;
    }
    case TypeId::kDecimal: {
      std::optional<int64_t> v;
      if (jt == element_type::STRING)
        v = core::ParseDecimal(Trimmed(Str(e)), t.scale);
      else if (jt == element_type::INT64 || jt == element_type::UINT64)
        v = core::ParseDecimal(IntText(e), t.scale);
      else if (jt == element_type::DOUBLE)
        v = core::ParseDecimal(core::FormatDouble(e.get_double().value_unsafe()), t.scale);
      if (!v) return false;
      col.AppendInt64(*v);
      return true;
    }
  }
  return false;
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
  size_t from = trimmed.size() > 40 ? trimmed.size() - 40 : 0;
  // Start the tail on a character, not inside one; a cut at the very end shows as U+FFFD.
  while (from > 0 && (static_cast<unsigned char>(trimmed[from]) & 0xC0) == 0x80) --from;
  std::string_view tail = trimmed.substr(from);
  return Failure(ErrorKind::kTransient, "malformed_json",
                 "truncated or malformed response from " + std::string(api) + ": " + simdjson::error_message(err) +
                     " (" + std::to_string(body.size()) + " bytes, ending with: " + Excerpt(tail) + ")");
}

tl::unexpected<core::Error> BadShape(std::string_view api, std::string what) {
  return Failure(ErrorKind::kTransient, "bad_shape",
                 Prefix(api) + "the response is JSON but not a Tushare answer: " + what);
}

}  // namespace

core::Result<Page> DecodeResponse(const std::string& body, const DecodeContext& ctx) {
  const Dataset& ds = *ctx.dataset;
  const std::string_view api = ds.api;
  const core::Schema& schema = *ds.schema;
  const core::TimeZone utc = core::TimeZone::Utc();
  const core::TimeZone& tz = ctx.tz ? *ctx.tz : utc;

  element root;
  if (auto err = ThreadParser().parse(body).get(root); err != simdjson::SUCCESS) return NotJson(api, body, err);
  simdjson::dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) return BadShape(api, "the top level is not an object");

  element code_el;
  if (top["code"].get(code_el) != simdjson::SUCCESS) return BadShape(api, "no 'code' member");
  std::optional<int64_t> code = AsInteger(code_el);
  if (!code) return BadShape(api, "'code' is " + Excerpt(simdjson::minify(code_el)) + ", not an integer");
  if (*code != 0) {
    std::string_view msg;
    element msg_el;
    if (top["msg"].get(msg_el) == simdjson::SUCCESS && msg_el.is_string()) msg = Str(msg_el);
    return tl::unexpected<core::Error>(ClassifyBusinessError(*code, msg, ctx.errors));
  }

  simdjson::dom::object data;
  if (top["data"].get_object().get(data) != simdjson::SUCCESS) return BadShape(api, "code 0 without a 'data' object");
  simdjson::dom::array fields, items;
  if (data["fields"].get_array().get(fields) != simdjson::SUCCESS) return BadShape(api, "no 'data.fields' array");
  if (data["items"].get_array().get(items) != simdjson::SUCCESS) return BadShape(api, "no 'data.items' array");

  Page page{core::ColumnBatch(ds.schema)};
  std::vector<Target> targets;
  std::vector<bool> mapped(schema.size(), false);
  for (element f : fields) {
    std::string_view name;
    if (f.get_string().get(name) != simdjson::SUCCESS) {
      return BadShape(api, "a field name is " + Excerpt(simdjson::minify(f)) + ", not a string");
    }
    page.vendor_fields.emplace_back(name);
    Target t;
    if (auto idx = schema.IndexOf(name); idx && !mapped[*idx]) {
      mapped[*idx] = true;
      t.column = static_cast<int>(*idx);
      t.type = schema.field(*idx).type.id;
      t.scale = schema.field(*idx).type.scale;
    } else {
      page.extra_fields.emplace_back(name);
    }
    targets.push_back(t);
  }
  for (size_t i = 0; i < schema.size(); ++i) {
    if (!mapped[i]) page.missing_fields.push_back(schema.field(i).name);
  }

  core::ColumnBatch& batch = page.batch;
  batch.Reserve(items.size());
  const size_t width = targets.size();
  size_t row = 0;
  for (element item : items) {
    simdjson::dom::array cells;
    if (item.get_array().get(cells) != simdjson::SUCCESS) {
      return Failure(ErrorKind::kPermanent, "bad_row",
                     Prefix(api) + "items[" + std::to_string(row) + "] is " + Excerpt(simdjson::minify(item)) +
                         ", not an array of " + std::to_string(width) + " values");
    }
    size_t j = 0;
    for (element cell : cells) {
      if (j >= width) break;
      const Target& t = targets[j];
      if (t.column >= 0 && !AppendCell(batch.column(static_cast<size_t>(t.column)), t, cell, tz)) {
        const core::Field& field = schema.field(static_cast<size_t>(t.column));
        return Failure(ErrorKind::kPermanent, "bad_value",
                       Prefix(api) + "items[" + std::to_string(row) + "] field '" + field.name + "': cannot read " +
                           Excerpt(simdjson::minify(cell)) + " as " + field.type.ToString() +
                           "; the vendor's data does not match the dataset's schema (check the field's type)");
      }
      ++j;
    }
    if (j != width || cells.size() != width) {
      return Failure(ErrorKind::kPermanent, "bad_row",
                     Prefix(api) + "items[" + std::to_string(row) + "] has " + std::to_string(cells.size()) +
                         " values but 'fields' names " + std::to_string(width));
    }
    ++row;
  }
  for (size_t i = 0; i < schema.size(); ++i) {
    if (mapped[i]) continue;
    core::Column& col = batch.column(i);
    for (size_t r = 0; r < row; ++r) col.AppendNull();
  }

  ResponseSignals signals;
  signals.rows = static_cast<int64_t>(row);
  signals.row_cap = ds.row_cap;
  element has_more;
  if (data["has_more"].get(has_more) == simdjson::SUCCESS) {
    if (has_more.is_bool())
      signals.has_more = has_more.get_bool().value_unsafe();
    else if (auto v = AsInteger(has_more))
      signals.has_more = *v != 0;
  }
  static const RequestShaping kUnpaged;
  static const Params kNoParams;
  page.verdict = (ctx.shaping ? *ctx.shaping : kUnpaged).Judge(ctx.params ? *ctx.params : kNoParams, signals);
  return page;
}

}  // namespace datasync::datasource::tushare
