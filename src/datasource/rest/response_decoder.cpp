#include "datasource/rest/response_decoder.hpp"

#include <simdjson.h>

#include <map>

#include "core/excerpt.hpp"
#include "core/strings.hpp"
#include "datasource/json_conform.hpp"
#include "datasource/json_long_numbers.hpp"
#include "datasource/json_parser.hpp"
#include "datasource/json_repair.hpp"
#include "datasource/rest/request_builder.hpp"
#include "datasource/untrusted_text.hpp"
#include "net/cleartext.hpp"

namespace datasync::datasource::rest {

namespace {

using core::ErrorKind;
using simdjson::dom::element;

tl::unexpected<core::Error> Failure(ErrorKind kind, std::string_view code, std::string message) {
  core::Error e(kind, std::move(message));
  e.WithCode(std::string(code));
  return tl::unexpected<core::Error>(std::move(e));
}

bool ValueError(simdjson::error_code err) {
  return err == simdjson::NUMBER_ERROR || err == simdjson::UTF8_ERROR || err == simdjson::STRING_ERROR ||
         err == simdjson::UNESCAPED_CHARS;
}

tl::unexpected<core::Error> NotJson(const std::string& prefix, const RawResponse& r, simdjson::error_code err) {
  std::string_view trimmed = core::Trim(r.body);
  if (trimmed.empty()) {
    return Failure(ErrorKind::kTransient, "malformed_json",
                   prefix + "empty answer (HTTP " + std::to_string(r.http_status) + ")");
  }
  if (trimmed.front() != '{' && trimmed.front() != '[') {
    return Failure(ErrorKind::kTransient, "not_json",
                   prefix + "the answer is not JSON (HTTP " + std::to_string(r.http_status) + ", " +
                       std::to_string(r.body.size()) + " bytes, starting with: " + core::Excerpt(trimmed) +
                       "); usually a gateway or proxy error page");
  }
  return Failure(ErrorKind::kTransient, "malformed_json",
                 prefix + "truncated or malformed JSON: " + simdjson::error_message(err) + " (" +
                     std::to_string(r.body.size()) + " bytes, ending with: " + core::ExcerptTail(trimmed, 40) + ")");
}

// What is at the top of the body, for a message about a selector that found nothing.
std::string TopKeys(const element& root) {
  simdjson::dom::object o;
  if (root.get_object().get(o) != simdjson::SUCCESS) {
    return root.is_array() ? "the body is an array" : "the body is " + core::Excerpt(simdjson::minify(root), 40);
  }
  std::vector<std::string> keys;
  for (auto [k, v] : o) {
    if (keys.size() == 8) {
      keys.push_back("...");
      break;
    }
    keys.push_back(EscapeControls(k, 40));
  }
  return keys.empty() ? "the body is an empty object" : "the body's keys are " + core::Join(keys, ", ");
}

// The array at `path`: found, or JSON null (no rows), or a bad_shape failure.
core::Status ArrayAt(const element& root, const JsonPath& path, std::string_view what, const std::string& prefix,
                     std::optional<simdjson::dom::array>& out) {
  element e;
  if (!FindAt(root, path, e)) {
    return Failure(ErrorKind::kPermanent, "bad_shape",
                   prefix + "the answer has no " + std::string(what) + " at '" + path.text + "' (" + TopKeys(root) +
                       "): check the dataset's selector, or add an error rule if this is an error answer");
  }
  if (e.is_null()) return core::Ok();
  simdjson::dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) {
    return Failure(ErrorKind::kPermanent, "bad_shape",
                   prefix + "'" + path.text + "' is " + core::Excerpt(simdjson::minify(e), 60) + ", not an array of " +
                       std::string(what));
  }
  out = a;
  return core::Ok();
}

std::vector<std::string> RepairWarnings(const std::string& prefix, const RepairedJson& repaired) {
  constexpr size_t kMaxLines = 5;
  std::vector<std::string> out;
  size_t more = 0;
  for (const auto& r : repaired.repairs) {
    if (r.kind == JsonRepair::Kind::kControlCharacter) continue;
    if (out.size() >= kMaxLines) {
      ++more;
      continue;
    }
    out.push_back(prefix + "in " + EscapeControls(r.PathText(), 80) + ": " + r.What() + " at byte " +
                  std::to_string(r.offset) + " of the answer; " +
                  (r.kind == JsonRepair::Kind::kInvalidUtf8 ? "stored with U+FFFD in place of the bad bytes"
                                                            : "read as text (a string field keeps its digits)"));
  }
  if (more > 0) out.push_back(prefix + std::to_string(more) + " more value(s) in the answer were repaired");
  return out;
}

}  // namespace

namespace {

// The answer parsed into the thread's parser (a body with a single bad value read with it repaired), and
// checked against the source's error rules and the status defaults; a RESTART_PAGING rule's restart is
// returned, not failed.
struct Parsed {
  element root;
  std::optional<RepairedJson> repaired;
  // A RESTART_PAGING rule matched a later page: the chain's first page again, and the line for the operator.
  std::optional<Params> restart;
  std::string restart_warning;
};

// INVALID_INPUT skips a task: right for a request the vendor refuses whole, wrong for a later page of a
// paged answer, whose earlier pages are stored, since skipping it would end the run "succeeded" with the
// rest of the answer missing. Such a page fails instead, and says why and what to do.
core::Error LaterPageFails(core::Error e, const PageChainState& chain) {
  if (e.kind() != ErrorKind::kInvalidInput || !chain.InChain()) return e;
  core::Error failed(ErrorKind::kPermanent,
                     e.message() +
                         "; this was a later page of a paged answer whose earlier pages are stored, so the "
                         "task fails rather than being skipped (the rest of the answer is missing): if the "
                         "vendor's cursors expire, add an error rule of class RESTART_PAGING for this answer");
  failed.WithCode(e.code());
  return failed;
}

core::Result<Parsed> ParseClassified(const RawResponse& response, const DecodeInput& in, bool quote_long_numbers) {
  const DatasetSettings& settings = *in.settings;
  const std::string& prefix = in.classify.prefix;
  Parsed out;
  bool parsed = false;
  simdjson::error_code parse_error = simdjson::SUCCESS;
  // Long numbers (more digits than a double holds) are quoted first when a decimal column may receive them,
  // so it gets the digits the vendor wrote (json_long_numbers.hpp).
  std::optional<std::string> quoted;
  if (quote_long_numbers) quoted = QuoteLongNumbers(response.body);
  const std::string& text = quoted ? *quoted : response.body;
  if (!text.empty()) {
    parse_error = ThreadJsonParser(text.size()).parse(text).get(out.root);
    parsed = parse_error == simdjson::SUCCESS;
    if (!parsed && ValueError(parse_error)) {
      out.repaired = RepairJsonValues(text);
      parsed = out.repaired &&
               ThreadJsonParser(out.repaired->text.size()).parse(out.repaired->text).get(out.root) == simdjson::SUCCESS;
    }
  }

  Answer answer;
  answer.status = response.http_status;
  answer.root = parsed ? &out.root : nullptr;
  answer.body = response.body;
  answer.headers = &response.headers;
  static const Params kNoParams;
  const Params& params = in.params ? *in.params : kNoParams;
  if (const ErrorRule* rule = FirstMatch(in.source->rules, answer); rule && rule->restart_paging) {
    const PageChainState chain = settings.chain.Read(params);
    if (auto first = settings.chain.Restart(params)) {
      // The vendor refused this page's position: the chain starts again from its first page, dropping the
      // rows it already kept (they are stored).
      out.restart = std::move(*first);
      out.restart_warning = (prefix + "the vendor refused this page (error_rules[" + std::to_string(rule->index) +
                             "]: RESTART_PAGING, HTTP " + std::to_string(response.http_status) +
                             "); restarting its pages from the first (restart " + std::to_string(chain.restarts + 1) +
                             " of at most " + std::to_string(settings.chain.max_restarts()) + "), skipping the " +
                             std::to_string(chain.rows) + " row(s) already stored");
      return out;
    }
    ClassifyContext why = in.classify;
    why.restart_failure =
        !chain.later_page
            ? std::string(
                  "the answer to the first page of a request; there is nothing to restart, so check the "
                  "rule's code_match and the request")
            : "the pages restarted " + std::to_string(chain.restarts) + " times already (the most is " +
                  std::to_string(settings.chain.max_restarts()) +
                  "); the API keeps refusing the same pages: retry the run later, or page in smaller requests";
    return tl::unexpected(LaterPageFails(*Classify(in.source->rules, answer, why), chain));
  }
  if (auto e = Classify(in.source->rules, answer, in.classify)) {
    return tl::unexpected(LaterPageFails(std::move(*e), settings.chain.Read(params)));
  }
  if (!parsed) return NotJson(in.classify.prefix, response, parse_error);
  return out;
}

// The name of one entry of the column list: a string, or an object's `column_name` key.
core::Result<std::string_view> ColumnName(const element& c, const DatasetSettings& settings,
                                          const std::string& prefix) {
  std::string_view name;
  if (c.is_object()) {
    element n;
    if (c.get_object().value_unsafe()[settings.column_name].get(n) != simdjson::SUCCESS ||
        n.get_string().get(name) != simdjson::SUCCESS) {
      return Failure(ErrorKind::kPermanent, "bad_shape",
                     prefix + "a column of '" + settings.columns->text + "' is " +
                         core::Excerpt(simdjson::minify(c), 60) + ", without a string '" + settings.column_name +
                         "' (set column_name to the key that names a column)");
    }
  } else if (c.get_string().get(name) != simdjson::SUCCESS) {
    return Failure(ErrorKind::kPermanent, "bad_shape",
                   prefix + "a column of '" + settings.columns->text + "' is " +
                       core::Excerpt(simdjson::minify(c), 60) + ", not a name");
  }
  return name;
}

SampleValue SampleOf(const element& e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::NULL_VALUE: return {};
    case element_type::BOOL: return {SampleValue::Kind::kBool, e.get_bool().value_unsafe() ? "true" : "false"};
    case element_type::INT64:
    case element_type::UINT64: return {SampleValue::Kind::kInteger, ScalarText(e)};
    case element_type::DOUBLE: return {SampleValue::Kind::kNumber, ScalarText(e)};
    case element_type::STRING: return {SampleValue::Kind::kString, std::string(e.get_string().value_unsafe())};
    case element_type::ARRAY:
    case element_type::OBJECT: return {SampleValue::Kind::kNested, {}};
  }
  return {};
}

}  // namespace

core::Result<RecordSample> SampleAnswer(const RawResponse& response, const DecodeInput& in) {
  const DatasetSettings& settings = *in.settings;
  const std::string& prefix = in.classify.prefix;
  // Long numbers arrive as text with their digits, so a big integer is seen as one.
  auto parsed = ParseClassified(response, in, /*quote_long_numbers=*/true);
  if (!parsed) return tl::unexpected(parsed.error());
  if (parsed->restart) {
    return Failure(ErrorKind::kInvalidInput, "restart_paging",
                   prefix + "the answer asks to restart paging (a RESTART_PAGING rule): sample a first page");
  }
  const element& root = parsed->root;
  RecordSample sample;
  std::optional<simdjson::dom::array> rows;
  if (settings.records) {
    if (auto st = ArrayAt(root, *settings.records, "records", prefix, rows); !st) return tl::unexpected(st.error());
    if (!rows) return sample;
    // Every record's keys, in the order they first appear: a key only later records carry is a field too.
    std::map<std::string, size_t, std::less<>> index;
    size_t n = 0;
    for (element record : *rows) {
      ++n;
      simdjson::dom::object o;
      if (record.get_object().get(o) != simdjson::SUCCESS) {
        return Failure(ErrorKind::kPermanent, "bad_row",
                       prefix + "record " + std::to_string(n) + " of '" + settings.records->text + "' is " +
                           core::Excerpt(simdjson::minify(record), 60) + ", not an object");
      }
      std::vector<SampleValue> values(sample.fields.size());
      for (auto [k, v] : o) {
        auto it = index.find(k);
        if (it == index.end()) {
          it = index.emplace(std::string(k), sample.fields.size()).first;
          sample.fields.emplace_back(k);
          values.emplace_back();
        }
        values[it->second] = SampleOf(v);
      }
      sample.rows.push_back(std::move(values));
    }
    for (auto& r : sample.rows) r.resize(sample.fields.size());
    return sample;
  }
  std::optional<simdjson::dom::array> columns;
  if (auto st = ArrayAt(root, *settings.columns, "column list", prefix, columns); !st)
    return tl::unexpected(st.error());
  if (auto st = ArrayAt(root, *settings.rows, "rows", prefix, rows); !st) return tl::unexpected(st.error());
  if (!columns) {
    if (rows && (*rows).size() > 0) {
      return Failure(ErrorKind::kPermanent, "bad_shape",
                     prefix + "the answer has rows but no column list at '" + settings.columns->text + "'");
    }
    return sample;
  }
  for (element c : *columns) {
    auto name = ColumnName(c, settings, prefix);
    if (!name) return tl::unexpected(name.error());
    sample.fields.emplace_back(*name);
  }
  if (!rows) return sample;
  size_t n = 0;
  for (element row : *rows) {
    ++n;
    simdjson::dom::array a;
    if (row.get_array().get(a) != simdjson::SUCCESS || a.size() != sample.fields.size()) {
      return Failure(ErrorKind::kPermanent, "bad_row",
                     prefix + "row " + std::to_string(n) + " of '" + settings.rows->text + "' is " +
                         core::Excerpt(simdjson::minify(row), 60) + ", not an array of " +
                         std::to_string(sample.fields.size()) + " values (one per column)");
    }
    std::vector<SampleValue> values;
    values.reserve(sample.fields.size());
    for (element v : a) values.push_back(SampleOf(v));
    sample.rows.push_back(std::move(values));
  }
  return sample;
}

core::Result<Page> DecodeAnswer(const RawResponse& response, const DecodeInput& in) {
  const Dataset& ds = *in.dataset;
  const DatasetSettings& settings = *in.settings;
  const std::string& prefix = in.classify.prefix;

  auto parsed = ParseClassified(response, in, ds.schema && HasDecimalField(*ds.schema));
  if (!parsed) return tl::unexpected(parsed.error());
  if (parsed->restart) {
    Page page{core::ColumnBatch(ds.schema)};
    page.verdict = PageVerdict::NextPage(std::move(*parsed->restart));
    page.warnings.push_back(std::move(parsed->restart_warning));
    return page;
  }
  const element& root = parsed->root;
  const std::optional<RepairedJson>& repaired = parsed->repaired;
  static const Params kNoParams;
  const Params& params = in.params ? *in.params : kNoParams;
  // A restarted chain re-reads the rows it kept: the first `skip` rows of the answer are dropped before
  // any is conformed, so that none is stored twice.
  auto drop = [&](simdjson::dom::array a) {
    return static_cast<size_t>(settings.chain.RowsToDrop(params, static_cast<int64_t>(a.size())));
  };
  int64_t page_rows = 0;  // as the vendor sent them, before dropping: what moves the paging on

  const bool records_mode = settings.records.has_value();
  JsonConformer conform(ds.schema, in.tz,
                        ConformLabels{prefix, records_mode ? settings.records->text : settings.rows->text,
                                      records_mode ? "the records' keys" : "'" + settings.columns->text + "'"});
  std::optional<simdjson::dom::array> rows;
  if (records_mode) {
    if (auto st = ArrayAt(root, *settings.records, "records", prefix, rows); !st) return tl::unexpected(st.error());
    if (rows) {
      // The first record's keys name the fields (so extra keys show as drift); schema fields it lacks are
      // added after them, so that later records that have them are read.
      bool declared = false;
      for (element first : *rows) {
        simdjson::dom::object o;
        if (first.get_object().get(o) != simdjson::SUCCESS) break;  // AppendObjectRow reports it
        for (auto [k, v] : o) conform.AddField(k);
        declared = true;
        break;
      }
      if (declared) {
        simdjson::dom::object o = (*rows).at(0).get_object().value_unsafe();
        for (const auto& f : ds.schema->fields()) {
          element unused;
          if (o[f.name].get(unused) != simdjson::SUCCESS) conform.AddField(f.name);
        }
      }
      page_rows = static_cast<int64_t>((*rows).size());
      size_t dropped = drop(*rows), at = 0;
      conform.ReserveRows((*rows).size() - dropped);
      for (element row : *rows) {
        if (at++ < dropped) continue;
        if (auto st = conform.AppendObjectRow(row); !st) return tl::unexpected(st.error());
      }
    }
  } else {
    std::optional<simdjson::dom::array> columns;
    if (auto st = ArrayAt(root, *settings.columns, "column list", prefix, columns); !st) {
      return tl::unexpected(st.error());
    }
    if (auto st = ArrayAt(root, *settings.rows, "rows", prefix, rows); !st) return tl::unexpected(st.error());
    if (columns) {
      for (element c : *columns) {
        auto name = ColumnName(c, settings, prefix);
        if (!name) return tl::unexpected(name.error());
        conform.AddField(*name);
      }
    } else if (rows && (*rows).size() > 0) {
      return Failure(ErrorKind::kPermanent, "bad_shape",
                     prefix + "the answer has rows but no column list at '" + settings.columns->text + "'");
    }
    if (rows) {
      page_rows = static_cast<int64_t>((*rows).size());
      size_t dropped = drop(*rows), at = 0;
      conform.ReserveRows((*rows).size() - dropped);
      for (element row : *rows) {
        if (at++ < dropped) continue;
        if (auto st = conform.AppendArrayRow(row); !st) return tl::unexpected(st.error());
      }
    }
  }

  const int64_t row_count = page_rows;
  Page page = std::move(conform).Finish();
  if (repaired) page.warnings = RepairWarnings(prefix, *repaired);

  ResponseSignals signals;
  signals.rows = row_count;
  signals.row_cap = ds.row_cap;
  switch (settings.paginate) {
    case Paginate::kNone: break;
    case Paginate::kCursor: {
      element c;
      if (FindAt(root, *settings.cursor_path, c) && !c.is_null()) {
        if (c.is_string() || c.is_number()) signals.cursor = ScalarText(c);
      }
      signals.has_more = !signals.cursor.empty();
      break;
    }
    case Paginate::kOffset: signals.has_more = settings.page_size > 0 && row_count >= settings.page_size; break;
    case Paginate::kPageNumber:
      signals.has_more = settings.page_size > 0 ? row_count >= settings.page_size : row_count > 0;
      break;
    case Paginate::kLink: {
      auto next = LinkNext(response.headers);
      if (!next) break;
      auto url = SameOriginUrl(in.source->endpoint, *next);
      if (!url) {
        std::string host = net::UrlHost(*next);
        return Failure(ErrorKind::kPermanent, "foreign_link",
                       prefix + "the Link header's next page is on " +
                           (host.empty() ? std::string("a URL that is not absolute on the endpoint")
                                         : "another origin (" + EscapeControls(host, 80) + ")") +
                           ", not on " + Origin(in.source->endpoint) +
                           ": not followed, so that the credentials never go elsewhere; the rows of the first "
                           "page are not kept");
      }
      signals.cursor = in.source->auth == Auth::kApiKey && !in.source->api_key_in_header
                           ? WithoutQueryParam(*url, in.source->api_key_name)
                           : *url;
      signals.has_more = true;
      break;
    }
  }
  page.verdict = settings.shaping.Judge(params, signals);
  if (page.verdict.kind == PageVerdict::Kind::kNextPage) {
    page.verdict.next = settings.chain.Advance(params, std::move(page.verdict.next), page_rows);
  }
  return page;
}

}  // namespace datasync::datasource::rest
