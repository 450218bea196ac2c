#include "ndl/ndl_query.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "comma_list.hpp"
#include "ndl/ndl_universe.hpp"

namespace datasync::vendorsim::ndl {
namespace {

Param& Slot(std::vector<Param>& params, const std::string& name) {
  for (Param& p : params) {
    if (p.name == name) return p;
  }
  params.push_back(Param{name, {}});
  return params.back();
}

void AddValues(Param& p, const std::string& text) {
  // "" stays one empty value, so that `ticker=` is reported rather than ignored.
  if (text.find(',') == std::string::npos) {
    p.values.push_back(text);
    return;
  }
  for (std::string_view item : SplitCommaList(text)) p.values.emplace_back(item);
}

bool AddJsonValue(std::vector<Param>& params, const std::string& name, const nlohmann::json& v, NdlError& error) {
  const auto scalar = [&](const nlohmann::json& item) -> std::optional<std::string> {
    if (item.is_string()) return item.get<std::string>();
    if (item.is_number() || item.is_boolean()) return item.dump();
    return std::nullopt;
  };
  if (v.is_null()) return true;
  if (v.is_array()) {
    Param& p = Slot(params, name);
    for (const nlohmann::json& item : v) {
      const std::optional<std::string> text = scalar(item);
      if (!text) {
        error = MakeError("QESx02",
                          "The parameter " + name + " must be a value or a list of values, got " + v.dump() + ".");
        return false;
      }
      p.values.push_back(*text);
    }
    return true;
  }
  const std::optional<std::string> text = scalar(v);
  if (!text) {
    error =
        MakeError("QESx02", "The parameter " + name + " must be a value or a list of values, got " + v.dump() + ".");
    return false;
  }
  AddValues(Slot(params, name), *text);
  return true;
}

std::string FilterableList(const TableSpec& table) {
  std::string out;
  for (const ColumnSpec& c : table.columns) {
    if (!c.filterable) continue;
    if (!out.empty()) out += ", ";
    out += c.name;
  }
  return out;
}

std::optional<FilterOp> ParseOp(std::string_view op) {
  if (op == "gt") return FilterOp::kGt;
  if (op == "gte") return FilterOp::kGte;
  if (op == "lt") return FilterOp::kLt;
  if (op == "lte") return FilterOp::kLte;
  return std::nullopt;
}

std::string_view OpName(FilterOp op) {
  switch (op) {
    case FilterOp::kIn: return "in";
    case FilterOp::kGt: return "gt";
    case FilterOp::kGte: return "gte";
    case FilterOp::kLt: return "lt";
    case FilterOp::kLte: return "lte";
  }
  return "";
}

}  // namespace

void AddQueryParam(std::vector<Param>& params, const std::string& name, const std::string& value) {
  std::string key = name;
  if (key.size() > 2 && key.compare(key.size() - 2, 2, "[]") == 0) key.resize(key.size() - 2);
  AddValues(Slot(params, key), value);
}

bool AddJsonBody(std::vector<Param>& params, const std::string& body, NdlError& error) {
  const nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    error = MakeError("QESx02", "The request body must be a JSON object of parameters, e.g. {\"ticker\": [\"AAPL\"]}.");
    return false;
  }
  for (const auto& [name, value] : doc.items()) {
    if (value.is_object()) {
      for (const auto& [sub, v] : value.items()) {
        if (!AddJsonValue(params, name + "." + sub, v, error)) return false;
      }
    } else if (!AddJsonValue(params, name, value, error)) {
      return false;
    }
  }
  return true;
}

const Param* FindParam(const std::vector<Param>& params, const std::string& name) {
  for (const Param& p : params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::optional<DatatableQuery> ParseDatatableQuery(const TableSpec& table, const std::vector<Param>& params,
                                                  NdlError& error) {
  DatatableQuery q;
  const std::string code = table.FullCode();
  const auto fail = [&](std::string_view error_code, std::string message) {
    error = MakeError(error_code, std::move(message));
    return std::nullopt;
  };
  bool columns_given = false;
  for (const Param& p : params) {
    if (p.name == "api_key") continue;
    if (p.name.rfind("qopts.", 0) == 0) {
      const std::string option = p.name.substr(6);
      if (option == "columns") {
        columns_given = true;
        for (const std::string& name : p.values) {
          const int c = table.ColumnIndex(name);
          if (c < 0) {
            return fail("QESx09", "qopts.columns: '" + name + "' is not a column of " + code + ".");
          }
          if (std::find(q.columns.begin(), q.columns.end(), c) == q.columns.end()) q.columns.push_back(c);
        }
      } else if (option == "per_page") {
        const std::string& v = p.values.empty() ? std::string() : p.values.back();
        if (v.empty() || v.size() > 9 ||
            !std::all_of(v.begin(), v.end(), [](char ch) { return ch >= '0' && ch <= '9'; }) || std::stoll(v) < 1) {
          return fail("QESx02", "qopts.per_page must be a whole number from 1 to 10000, got '" + v + "'.");
        }
        q.per_page = static_cast<size_t>(std::stoll(v));
        if (q.per_page > kMaxPerPage) {
          return fail("QELx06", "You have requested too many rows of data: qopts.per_page may be at most 10000, got " +
                                    v + ". Page through the table with qopts.cursor_id.");
        }
      } else if (option == "cursor_id") {
        q.cursor_id = p.values.empty() ? std::string() : p.values.back();
        if (q.cursor_id.empty()) return fail("QESx06", "qopts.cursor_id is empty. Start again from the first page.");
      } else {
        return fail("QESx03", "Unknown option " + p.name +
                                  " (the simulator knows qopts.columns, qopts.per_page and qopts.cursor_id).");
      }
      continue;
    }
    const size_t dot = p.name.find('.');
    const std::string column = p.name.substr(0, dot);
    FilterOp op = FilterOp::kIn;
    if (dot != std::string::npos) {
      const std::optional<FilterOp> parsed = ParseOp(std::string_view(p.name).substr(dot + 1));
      if (!parsed) {
        return fail("QESx02", "Unknown filter operator in '" + p.name + "' (allowed: " + column + ", " + column +
                                  ".gt, .gte, .lt, .lte).");
      }
      op = *parsed;
    }
    const int c = table.ColumnIndex(column);
    if (c < 0 || !table.columns[static_cast<size_t>(c)].filterable) {
      return fail("QESx08", (c < 0 ? "'" + column + "' is not a column of " + code
                                   : "You cannot filter on the column '" + column + "' of " + code) +
                                ". Filterable columns: " + FilterableList(table) + ".");
    }
    Condition cond;
    cond.column = c;
    cond.op = op;
    cond.values = p.values;
    if (cond.values.empty() ||
        std::any_of(cond.values.begin(), cond.values.end(), [](const std::string& v) { return v.empty(); })) {
      return fail("QESx02", "The filter " + p.name + " has an empty value.");
    }
    if (op != FilterOp::kIn && cond.values.size() != 1) {
      return fail("QESx02",
                  "The filter " + p.name + " takes one value, got " + std::to_string(cond.values.size()) + ".");
    }
    if (table.columns[static_cast<size_t>(c)].type == ColumnType::kDate) {
      for (const std::string& v : cond.values) {
        const std::optional<int> day = ParseIsoDate(v);
        if (!day) return fail("QESx02", "The filter " + p.name + " needs dates as YYYY-MM-DD, got '" + v + "'.");
        cond.days.push_back(*day);
      }
    }
    q.conditions.push_back(std::move(cond));
  }
  if (!columns_given) {
    for (size_t i = 0; i < table.columns.size(); ++i) q.columns.push_back(static_cast<int>(i));
  }
  // The fingerprint: table, conditions in a canonical order, columns, page size.
  std::vector<std::string> parts;
  for (const Condition& c : q.conditions) {
    std::vector<std::string> values = c.values;
    std::sort(values.begin(), values.end());
    std::string part = std::to_string(c.column) + "." + std::string(OpName(c.op)) + "=";
    for (const std::string& v : values) part += v + "\x1f";
    parts.push_back(std::move(part));
  }
  std::sort(parts.begin(), parts.end());
  q.fingerprint = code + "|";
  for (const std::string& part : parts) q.fingerprint += part + "\x1e";
  q.fingerprint += "|";
  for (int c : q.columns) q.fingerprint += std::to_string(c) + ",";
  q.fingerprint += "|" + std::to_string(q.per_page);
  return q;
}

}  // namespace datasync::vendorsim::ndl
