// A page's content in reading order, the shape doc grammars work on: runs of text lines (split at block
// elements and <br>, cleaned with CleanText, empty lines dropped) and the tables between them. <pre>
// (code and data samples) is left out. Pure function of the Document; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "datasource/html/document.hpp"

namespace datasync::datasource::html {

struct Block {
  std::vector<std::string> lines;  // a text block
  Node table;                      // a table block (lines empty)
};

std::vector<Block> Linearize(const Node& root);

}  // namespace datasync::datasource::html
