#include "datasource/tushare/response_decoder.hpp"

#include <simdjson.h>

#include "core/excerpt.hpp"
#include "core/strings.hpp"
#include "datasource/json_conform.hpp"
#include "datasource/json_parser.hpp"
#include "datasource/json_repair.hpp"
#include "datasource/untrusted_text.hpp"

namespace datasync::datasource::tushare {

namespace {

using core::ErrorKind;
using simdjson::dom::element;

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

// Parse errors that single values cause in a body that is otherwise complete JSON.
bool ValueError(simdjson::error_code err) {
  return err == simdjson::NUMBER_ERROR || err == simdjson::UTF8_ERROR || err == simdjson::STRING_ERROR ||
         err == simdjson::UNESCAPED_CHARS;
}

// The row index in a path "data", "items", "[3]", "[5]"; nullopt elsewhere.
std::optional<std::pair<size_t, size_t>> ItemCell(const JsonRepair& r) {
  if (r.in_key || r.path.size() != 4 || r.path[0] != "data" || r.path[1] != "items") return std::nullopt;
  auto index = [](const std::string& p) { return core::ParseInt64(std::string_view(p).substr(1, p.size() - 2)); };
  auto row = index(r.path[2]);
  auto col = index(r.path[3]);
  if (!row || !col || *row < 0 || *col < 0) return std::nullopt;
  return std::pair<size_t, size_t>{static_cast<size_t>(*row), static_cast<size_t>(*col)};
}

const JsonRepair* RepairAt(const RepairedJson& repaired, size_t row, size_t field) {
  for (const auto& r : repaired.repairs) {
    if (auto cell = ItemCell(r); cell && cell->first == row && cell->second == field) return &r;
  }
  return nullptr;
}

// What was stored other than as sent, for the operator: at most a few lines, then a count.
std::vector<std::string> RepairWarnings(std::string_view api, const RepairedJson& repaired,
                                        const std::vector<std::string_view>& names, const core::Schema& schema) {
  constexpr size_t kMaxLines = 5;
  std::vector<std::string> out;
  size_t more = 0;
  for (const auto& r : repaired.repairs) {
    if (r.kind == JsonRepair::Kind::kControlCharacter) continue;  // escaped: the value is unchanged
    std::string where = "in " + EscapeControls(r.PathText(), 80);
    std::string stored =
        r.kind == JsonRepair::Kind::kInvalidUtf8 ? "read with U+FFFD in place of the bad bytes" : "read as text";
    if (auto cell = ItemCell(r); cell && cell->second < names.size()) {
      auto idx = schema.IndexOf(names[cell->second]);
      if (!idx) continue;  // a field the dataset does not have: ignored anyway
      const core::Field& f = schema.field(*idx);
      where = "items[" + std::to_string(cell->first) + "] field '" + EscapeControls(f.name, 80) + "'";
      if (r.kind == JsonRepair::Kind::kInvalidUtf8) {
        stored = "stored with U+FFFD in place of the bad bytes";
      } else {
        stored = "stored as " + f.type.ToString() + (f.type.id == core::TypeId::kString ? " (its digits)" : "");
      }
    }
    if (out.size() >= kMaxLines) {
      ++more;
      continue;
    }
    out.push_back(Prefix(api) + where + ": " + r.What() + " at byte " + std::to_string(r.offset) +
                  " of the response; " + stored);
  }
  if (more > 0) out.push_back(Prefix(api) + std::to_string(more) + " more value(s) in the response were repaired");
  return out;
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
  std::optional<RepairedJson> repaired;
  if (auto err = ThreadJsonParser(body.size()).parse(body).get(root); err != simdjson::SUCCESS) {
    // A complete body with one value the parser cannot take is the vendor's data, not a transport fault:
    // retrying gets the same bytes. Read it with the value repaired and decide per value below.
    if (ValueError(err)) repaired = RepairJsonValues(body);
    if (!repaired || ThreadJsonParser(repaired->text.size()).parse(repaired->text).get(root) != simdjson::SUCCESS) {
      return NotJson(api, body, err);
    }
  }
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
  std::vector<std::string_view> names;
  for (element f : fields) {
    std::string_view name;
    if (f.get_string().get(name) != simdjson::SUCCESS) {
      return BadShape(api, "a field name is " + Excerpt(simdjson::minify(f)) + ", not a string");
    }
    conform.AddField(name);
    names.push_back(name);
  }
  conform.ReserveRows(items.size());
  for (element item : items) {
    if (auto st = conform.AppendArrayRow(item); !st) {
      core::Error e = st.error();
      if (repaired) {
        if (auto cell = conform.failed_cell()) {
          if (const JsonRepair* r = RepairAt(*repaired, cell->row, cell->field)) {
            e = core::Error(e.kind(), e.message() + " (" + r->What() + " at byte " + std::to_string(r->offset) +
                                          " of the response)")
                    .WithCode(e.code());
          }
        }
      }
      return tl::unexpected(std::move(e));
    }
  }
  const int64_t rows = static_cast<int64_t>(conform.rows());
  Page page = std::move(conform).Finish();
  if (repaired) page.warnings = RepairWarnings(api, *repaired, names, *ds.schema);

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
