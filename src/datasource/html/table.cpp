#include "datasource/html/table.hpp"

namespace datasync::datasource::html {

namespace {

// The rows in document order; <thead>, <tbody> and <tfoot> are entered (with an explicit stack: a table
// may nest them inside each other on a broken page), nothing else is.
void CollectRows(const Node& table, Table& t, size_t max_rows) {
  bool header_done = false;
  std::vector<Node> stack{table};
  while (!stack.empty()) {
    Node n = stack.back();
    stack.pop_back();
    if (n.Is("tr")) {
      std::vector<std::string> cells;
      for (const Node& cell : n.Children()) {
        if (cell.Is("td") || cell.Is("th")) cells.push_back(cell.Text());
      }
      if (cells.empty()) continue;
      if (!header_done) {
        t.header = std::move(cells);
        header_done = true;
      } else if (t.rows.size() < max_rows) {
        t.rows.push_back(std::move(cells));
      }
      continue;
    }
    if (n != table && !n.Is("thead") && !n.Is("tbody") && !n.Is("tfoot")) continue;
    std::vector<Node> children = n.Children();
    for (auto c = children.rbegin(); c != children.rend(); ++c) {
      if (c->IsElement()) stack.push_back(*c);
    }
  }
}

}  // namespace

Table ReadTable(const Node& table, size_t max_rows) {
  Table t;
  CollectRows(table, t, max_rows);
  return t;
}

std::string Cell(const std::vector<std::string>& row, int i) {
  return i >= 0 && static_cast<size_t>(i) < row.size() ? row[static_cast<size_t>(i)] : std::string();
}

}  // namespace datasync::datasource::html
