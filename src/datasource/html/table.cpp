#include "datasource/html/table.hpp"

namespace datasync::datasource::html {

namespace {

void CollectRows(const Node& n, Table& t, bool& header_done, size_t max_rows) {
  for (const Node& c : n.Children()) {
    if (!c.IsElement()) continue;
    if (c.Is("thead") || c.Is("tbody") || c.Is("tfoot")) {
      CollectRows(c, t, header_done, max_rows);
      continue;
    }
    if (!c.Is("tr")) continue;
    std::vector<std::string> cells;
    for (const Node& cell : c.Children()) {
      if (cell.Is("td") || cell.Is("th")) cells.push_back(cell.Text());
    }
    if (cells.empty()) continue;
    if (!header_done) {
      t.header = std::move(cells);
      header_done = true;
    } else if (t.rows.size() < max_rows) {
      t.rows.push_back(std::move(cells));
    }
  }
}

}  // namespace

Table ReadTable(const Node& table, size_t max_rows) {
  Table t;
  bool header_done = false;
  CollectRows(table, t, header_done, max_rows);
  return t;
}

std::string Cell(const std::vector<std::string>& row, int i) {
  return i >= 0 && static_cast<size_t>(i) < row.size() ? row[static_cast<size_t>(i)] : std::string();
}

}  // namespace datasync::datasource::html
