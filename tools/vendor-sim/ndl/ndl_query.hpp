// Request parameters of the Nasdaq Data Link simulator, gathered from the query string (GET) and a JSON
// body (POST) into one list, and their reading into a Tables API query: filters (col=v, col=v1,v2,
// col[]=v repeated, col.gt/.gte/.lt/.lte), qopts.columns, qopts.per_page and qopts.cursor_id, with the
// vendor's error for anything wrong. Plain values and pure functions: thread-safe.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ndl/ndl_errors.hpp"
#include "ndl/ndl_tables.hpp"

namespace datasync::vendorsim::ndl {

// One parameter with its values: `ticker=A,B` and `ticker[]=A&ticker[]=B` both give ("ticker", {A, B}).
struct Param {
  std::string name;
  std::vector<std::string> values;
};

// Adds a query-string parameter: a trailing "[]" is dropped and the values are appended to a parameter of
// that name; a value's commas separate values.
void AddQueryParam(std::vector<Param>& params, const std::string& name, const std::string& value);

// Adds the members of a JSON object body: strings (comma lists), numbers, booleans, arrays of these, and
// objects one level deep ({"date":{"gte":"2024-01-01"}} is date.gte). False and an error when the body is
// not such an object.
bool AddJsonBody(std::vector<Param>& params, const std::string& body, NdlError& error);

const Param* FindParam(const std::vector<Param>& params, const std::string& name);

struct DatatableQuery {
  std::vector<Condition> conditions;
  std::vector<int> columns;  // selected columns, in the order asked (all, in table order, by default)
  size_t per_page = 10000;
  std::string cursor_id;  // empty: the first page
  // Identifies the query apart from its cursor: a cursor answers only the query that made it.
  std::string fingerprint;
};

inline constexpr size_t kMaxPerPage = 10000;

// Reads the Tables API parameters (api_key is ignored here); nullopt and `error` on a bad parameter.
std::optional<DatatableQuery> ParseDatatableQuery(const TableSpec& table, const std::vector<Param>& params,
                                                  NdlError& error);

}  // namespace datasync::vendorsim::ndl
