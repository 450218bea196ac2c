// The Tables API answers: a page of rows in primary-key order with next_cursor_id, and metadata.json.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "json_writer.hpp"
#include "ndl/ndl_responses.hpp"
#include "ndl/ndl_state.hpp"
#include "ndl/ndl_tables.hpp"
#include "sim_clock.hpp"

namespace datasync::vendorsim::ndl {

std::optional<NdlError> DatatablePage(NdlState& state, const TableSpec& table, const std::vector<Param>& params,
                                      int64_t now_ms, int64_t cursor_ttl_ms, int64_t max_rows, std::string& body) {
  NdlError error;
  const std::optional<DatatableQuery> query = ParseDatatableQuery(table, params, error);
  if (!query) return error;
  RowKey start;
  if (!query->cursor_id.empty()) {
    switch (state.cursors().Find(query->cursor_id, query->fingerprint, now_ms, start)) {
      case CursorStore::Lookup::kOk: break;
      case CursorStore::Lookup::kExpired:
        return MakeError("QESx06", "The cursor_id has expired. Please start again from the first page.");
      case CursorStore::Lookup::kOtherQuery:
        return MakeError("QESx06",
                         "The cursor_id belongs to a different query. Send the same filters, qopts.columns and "
                         "qopts.per_page as the request that returned it, or start again from the first page.");
      case CursorStore::Lookup::kUnknown:
        return MakeError("QESx06", "You have submitted an invalid cursor_id. Please start again from the first page.");
    }
  }
  if (max_rows > 0 && query->cursor_id.empty()) {
    int64_t matches = 0;
    ScanRows(state.universe(), table, query->conditions, start, [&](const RowKey&) { return ++matches <= max_rows; });
    if (matches > max_rows) {
      return MakeError("QELx06", "You have requested too many rows of data: this query matches more than " +
                                     std::to_string(max_rows) + " rows. Please narrow it with filters.");
    }
  }
  std::vector<RowKey> rows;
  rows.reserve(std::min<size_t>(query->per_page, 10000));
  std::optional<RowKey> next;
  ScanRows(state.universe(), table, query->conditions, start, [&](const RowKey& key) {
    if (rows.size() < query->per_page) {
      rows.push_back(key);
      return true;
    }
    next = key;
    return false;
  });
  body.reserve(64 + rows.size() * 96);
  body += "{\"datatable\":{\"data\":[";
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i) body.push_back(',');
    RenderRow(state.universe(), table, rows[i], query->columns, body);
  }
  body += "],\"columns\":[";
  JsonWriter w(body, JsonStyle::kCompact);
  for (size_t i = 0; i < query->columns.size(); ++i) {
    const ColumnSpec& c = table.columns[static_cast<size_t>(query->columns[i])];
    if (i) body.push_back(',');
    body += "{\"name\":";
    w.String(c.name);
    body += ",\"type\":";
    w.String(c.type_name);
    body += "}";
  }
  body += "]},\"meta\":{\"next_cursor_id\":";
  if (next) {
    w.PlainString(state.cursors().Issue(query->fingerprint, *next, now_ms, cursor_ttl_ms));
  } else {
    w.Null();
  }
  body += "}}";
  return std::nullopt;
}

std::string DatatableMetadata(const TableSpec& table) {
  using Json = nlohmann::ordered_json;
  Json columns = Json::array();
  Json filters = Json::array();
  for (const ColumnSpec& c : table.columns) {
    columns.push_back(Json{{"name", c.name}, {"type", c.type_name}});
    if (c.filterable) filters.push_back(c.name);
  }
  Json datatable{{"vendor_code", table.vendor_code},
                 {"datatable_code", table.datatable_code},
                 {"name", table.name},
                 {"description", table.description},
                 {"columns", columns},
                 {"filters", filters},
                 {"primary_key", table.primary_key},
                 {"premium", false},
                 {"status", Json{{"refreshed_at", "2025-01-01T22:00:00Z"},
                                 {"status", "ON TIME"},
                                 {"expected_at", "*"},
                                 {"update_frequency", "DAILY"}}}};
  return Json{{"datatable", std::move(datatable)}}.dump();
}

}  // namespace datasync::vendorsim::ndl
