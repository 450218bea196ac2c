#include "datasource/nasdaq/metadata_import.hpp"

#include <simdjson.h>

#include <algorithm>

#include "core/excerpt.hpp"
#include "core/strings.hpp"
#include "datasource/nasdaq/request_builder.hpp"
#include "datasource/nasdaq/response_decoder.hpp"
#include "datasource/untrusted_text.hpp"

namespace datasync::datasource::nasdaq {

namespace {

using core::ErrorKind;
using core::LogicalType;

constexpr uint8_t kMaxPrecision = 38;   // core decimals hold 38 digits (core/logical_type.hpp)
constexpr uint8_t kNarrowedScale = 12;  // what a wider BigDecimal keeps: 26 integer digits, 12 decimals

tl::unexpected<core::Error> Invalid(const MetadataRef& ref, std::string what) {
  return tl::unexpected(
      core::Error(ErrorKind::kInvalidInput, "nasdaq_data_link metadata of " + ref.with_code + ": " + std::move(what)));
}

// The vendor's param type for a column type (RequestParam::type).
std::string ParamType(const LogicalType& t) {
  switch (t.id) {
    case core::TypeId::kDate: return "date";
    case core::TypeId::kTimestamp: return "datetime";
    case core::TypeId::kInt32:
    case core::TypeId::kInt64: return "int";
    case core::TypeId::kFloat64:
    case core::TypeId::kDecimal: return "float";
    case core::TypeId::kBool: return "bool";
    case core::TypeId::kString: break;
  }
  return "str";
}

bool Ranged(const LogicalType& t) {
  return t.id != core::TypeId::kString && t.id != core::TypeId::kBool;
}

std::vector<std::string> Strings(simdjson::dom::element e) {
  std::vector<std::string> out;
  simdjson::dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) return out;
  for (auto item : a) {
    std::string_view s;
    if (item.get_string().get(s) == simdjson::SUCCESS) out.emplace_back(s);
  }
  return out;
}

std::string Member(simdjson::dom::object o, std::string_view key) {
  std::string_view v;
  return o[key].get_string().get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

bool ValidFieldName(std::string_view name) {
  return !name.empty() && name.size() <= 128 &&
         std::all_of(name.begin(), name.end(), [](unsigned char c) { return c > ' ' && c < 0x7f; });
}

core::Result<ImportedDataset> ParseTable(const MetadataRef& ref, simdjson::dom::object top, std::string doc_url) {
  simdjson::dom::object dt;
  if (top["datatable"].get_object().get(dt) != simdjson::SUCCESS) return Invalid(ref, "no 'datatable' object");
  simdjson::dom::array columns;
  if (dt["columns"].get_array().get(columns) != simdjson::SUCCESS) return Invalid(ref, "no 'datatable.columns' array");
  ImportedDataset out;
  Dataset& d = out.dataset;
  std::vector<core::Field> fields;
  for (auto c : columns) {
    simdjson::dom::object col;
    std::string_view name, type;
    if (c.get_object().get(col) != simdjson::SUCCESS || col["name"].get_string().get(name) != simdjson::SUCCESS) {
      return Invalid(ref, "a column is " + core::Excerpt(simdjson::minify(c)) + ", not {\"name\",\"type\"}");
    }
    if (!ValidFieldName(name)) return Invalid(ref, "column name " + EscapeControls(name, 80) + " is not usable");
    if (col["type"].get_string().get(type) != simdjson::SUCCESS) type = "String";
    if (std::any_of(fields.begin(), fields.end(), [&](const core::Field& f) { return f.name == name; })) {
      return Invalid(ref, "column '" + std::string(name) + "' is listed twice");
    }
    VendorType vt = MapVendorType(type);
    if (!vt.note.empty()) out.notes.push_back("column " + std::string(name) + ": " + vt.note);
    fields.push_back({std::string(name), vt.type, true, "vendor type " + EscapeControls(type, 40)});
  }
  if (fields.empty()) return Invalid(ref, "the table has no columns");
  auto find = [&](const std::string& n) -> const core::Field* {
    for (const auto& f : fields) {
      if (f.name == n) return &f;
    }
    return nullptr;
  };
  for (const auto& f : Strings(dt["filters"])) {
    const core::Field* field = find(f);
    if (!field) {
      out.notes.push_back("filter " + EscapeControls(f, 80) + " names no column; ignored");
      continue;
    }
    std::string type = ParamType(field->type);
    d.params.push_back({f, type, false, "filter: " + f + "=v or " + f + "=v1,v2"});
    if (Ranged(field->type)) {
      for (const char* op : {"gte", "gt", "lte", "lt"}) {
        d.params.push_back({f + "." + op, type, false, std::string("filter: ") + f + " " + op + " the value"});
      }
    }
  }
  std::vector<std::string> key = Strings(dt["primary_key"]);
  if (std::all_of(key.begin(), key.end(), [&](const std::string& k) { return find(k) != nullptr; })) {
    d.primary_key = key;
  } else {
    out.notes.push_back("the vendor's primary key names a column the table lacks; no key imported");
  }
  for (const auto& k : d.primary_key) {
    if (const core::Field* f = find(k); f && f->type.id == core::TypeId::kDate) {
      d.date_key = k;
      break;
    }
  }
  if (d.date_key.empty()) {
    for (const auto& f : fields) {
      if (f.type.id == core::TypeId::kDate) {
        d.date_key = f.name;
        break;
      }
    }
  }
  std::vector<std::string> parts = core::Split(ref.api, '/');
  d.name = core::ToLower(parts[1]) + "_" + core::ToLower(parts[2]);
  d.title = Member(dt, "name");
  d.description = Member(dt, "description");
  d.schema = std::make_shared<const core::Schema>(std::move(fields));
  d.row_cap = kMaxPerPage;
  d.api = ref.api;
  d.doc_url = std::move(doc_url);
  d.origin = DatasetOrigin::kImport;
  if (d.params.empty()) out.notes.push_back("the table lists no filterable columns: plans can only fetch it whole");
  return out;
}

core::Result<ImportedDataset> ParseSeries(const MetadataRef& ref, simdjson::dom::object top, std::string doc_url) {
  simdjson::dom::object ds;
  if (top["dataset"].get_object().get(ds) != simdjson::SUCCESS) return Invalid(ref, "no 'dataset' object");
  simdjson::dom::element names_el;
  if (ds["column_names"].get(names_el) != simdjson::SUCCESS) return Invalid(ref, "no 'dataset.column_names' array");
  std::vector<std::string> names = Strings(names_el);
  if (names.empty()) return Invalid(ref, "'dataset.column_names' lists no column");
  ImportedDataset out;
  Dataset& d = out.dataset;
  std::vector<core::Field> fields;
  for (size_t i = 0; i < names.size(); ++i) {
    std::string name = FieldName(names[i]);
    if (std::any_of(fields.begin(), fields.end(), [&](const core::Field& f) { return f.name == name; })) {
      name += "_" + std::to_string(i);
    }
    // The first column of a time series is its date; the values are numbers.
    LogicalType type = i == 0 ? LogicalType::Date() : LogicalType::Float64();
    if (name != names[i]) out.notes.push_back("column '" + EscapeControls(names[i], 80) + "' stored as " + name);
    fields.push_back({name, type, i != 0, "vendor column " + EscapeControls(names[i], 80)});
  }
  // Rows name no series: the `code` field takes each request's code (response_decoder.cpp), so the series of
  // one database share a table, keyed by code and date.
  const std::string date = fields.front().name;
  if (std::none_of(fields.begin(), fields.end(), [](const core::Field& f) { return f.name == "code"; })) {
    fields.insert(fields.begin(), {"code", LogicalType::String(), false, "the series code (the request's code)"});
  }
  d.primary_key = {"code", date};
  d.date_key = date;
  d.name = core::ToLower(core::Split(ref.api, '/')[1]);
  d.title = Member(ds, "name");
  d.description = Member(ds, "description");
  d.schema = std::make_shared<const core::Schema>(std::move(fields));
  d.api = ref.api;
  d.doc_url = std::move(doc_url);
  d.origin = DatasetOrigin::kImport;
  d.params = {{"code", "str", true, "the series code within the database, e.g. " + ref.code},
              {"start_date", "date", false, "first day (YYYY-MM-DD)"},
              {"end_date", "date", false, "last day (YYYY-MM-DD)"},
              {"order", "str", false, "asc (sent unless given) or desc"},
              {"limit", "int", false, "at most this many rows"},
              {"collapse", "str", false, "none, daily, weekly, monthly, quarterly, annual"},
              {"transform", "str", false, "none, diff, rdiff, rdiff_from, cumul, normalize"},
              {"column_index", "int", false, "only this column (and the date)"}};
  std::string frequency = Member(ds, "frequency");
  std::string oldest = Member(ds, "oldest_available_date");
  std::string newest = Member(ds, "newest_available_date");
  out.notes.push_back("time series of database " + core::Split(ref.api, '/')[1] + " with the columns of " + ref.code +
                      (frequency.empty() ? "" : ", " + EscapeControls(frequency, 20)) +
                      (oldest.empty() ? "" : ", " + EscapeControls(oldest, 20) + " to " + EscapeControls(newest, 20)) +
                      "; plans choose the series with the param 'code'");
  return out;
}

}  // namespace

core::Result<MetadataRef> ParseMetadataRef(std::string_view text) {
  std::string_view t = core::Trim(text);
  if (size_t p = t.find("/api/v3/"); p != std::string_view::npos) t = t.substr(p + 8);
  if (size_t q = t.find_first_of("?#"); q != std::string_view::npos) t = t.substr(0, q);
  for (std::string_view suffix : {"/metadata.json", "/metadata", "/data.json", ".json"}) {
    if (t.ends_with(suffix)) {
      t.remove_suffix(suffix.size());
      break;
    }
  }
  while (!t.empty() && t.back() == '/') t.remove_suffix(1);
  std::vector<std::string> parts = core::Split(t, '/');
  MetadataRef ref;
  if (parts.size() == 3 && parts[0] == "datatables") {
    ref.table = true;
    ref.api = std::string(t);
    ref.with_code = ref.api;
  } else if (parts.size() == 3 && parts[0] == "datasets") {
    ref.table = false;
    ref.api = parts[0] + "/" + parts[1];
    ref.code = parts[2];
    ref.with_code = std::string(t);
  } else {
    return core::Fail(ErrorKind::kConfig, "'" + core::Excerpt(text, 120) +
                                              "' names no Nasdaq Data Link API: give datatables/PUBLISHER/TABLE "
                                              "(e.g. datatables/ZACKS/FC) or datasets/DATABASE/CODE (e.g. "
                                              "datasets/WIKI/AAPL)");
  }
  if (auto api = ParseApi(ref.api); !api) return tl::unexpected(api.error());
  if (!ref.table && (ref.code.empty() || !ParseApi("datasets/" + ref.code))) {
    return core::Fail(ErrorKind::kConfig, "'" + core::Excerpt(ref.code, 40) + "' is not a series code");
  }
  return ref;
}

VendorType MapVendorType(std::string_view vendor_type) {
  std::string t = core::ToLower(core::Trim(vendor_type));
  if (t == "string" || t == "text" || t == "varchar") return {LogicalType::String(), ""};
  if (t == "date") return {LogicalType::Date(), ""};
  if (t == "datetime" || t == "timestamp") return {LogicalType::Timestamp(), ""};
  if (t == "integer" || t == "int" || t == "long" || t == "bigint") return {LogicalType::Int64(), ""};
  if (t == "double" || t == "float") return {LogicalType::Float64(), ""};
  if (t == "boolean" || t == "bool") return {LogicalType::Bool(), ""};
  if (t.starts_with("bigdecimal")) {
    std::string_view args = std::string_view(t).substr(10);
    int64_t p = -1, s = -1;
    if (args.size() >= 2 && args.front() == '(' && args.back() == ')') {
      std::vector<std::string> ps = core::Split(args.substr(1, args.size() - 2), ',');
      if (ps.size() == 2) {
        p = core::ParseInt64(core::Trim(ps[0])).value_or(-1);
        s = core::ParseInt64(core::Trim(ps[1])).value_or(-1);
      }
    }
    if (p < 1 || s < 0 || s > p || p > 1000) {
      return {LogicalType::Float64(),
              "type " + EscapeControls(vendor_type, 40) + " has no readable (precision,scale); stored as float64"};
    }
    if (p <= kMaxPrecision) return {LogicalType::Decimal(static_cast<uint8_t>(p), static_cast<uint8_t>(s)), ""};
    uint8_t scale = static_cast<uint8_t>(std::min<int64_t>(s, kNarrowedScale));
    return {LogicalType::Decimal(kMaxPrecision, scale),
            "BigDecimal(" + std::to_string(p) + "," + std::to_string(s) +
                ") has more digits than datasync's decimals (" + std::to_string(kMaxPrecision) +
                "): stored as decimal(38," + std::to_string(scale) + "), so values need at most " +
                std::to_string(kMaxPrecision - scale) +
                " integer digits; declare the field float64 or string in datasync.yaml if they need more"};
  }
  return {LogicalType::String(), "unknown vendor type " + EscapeControls(vendor_type, 40) + "; stored as string"};
}

core::Result<ImportedDataset> ParseMetadata(const MetadataRef& ref, std::string_view json, std::string doc_url) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return Invalid(ref, "the answer is not JSON (" + std::to_string(json.size()) +
                            " bytes, starting with: " + core::Excerpt(core::Trim(json)) + ")");
  }
  simdjson::dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) return Invalid(ref, "the top level is not an object");
  return ref.table ? ParseTable(ref, top, std::move(doc_url)) : ParseSeries(ref, top, std::move(doc_url));
}

}  // namespace datasync::datasource::nasdaq
