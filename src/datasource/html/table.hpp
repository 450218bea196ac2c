// An HTML <table> as text: the first row (th or td) is the header, the others are rows of cleaned cell
// text (Node::Text). Rows in <thead>, <tbody> and <tfoot> are read in document order; rows without
// cells are skipped. Pure function of the Document; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "datasource/html/document.hpp"

namespace datasync::datasource::html {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// At most max_rows rows after the header are kept; the rest are dropped.
Table ReadTable(const Node& table, size_t max_rows);

// The cell at column i of a row; empty when i is negative or the row is shorter.
std::string Cell(const std::vector<std::string>& row, int i);

}  // namespace datasync::datasource::html
