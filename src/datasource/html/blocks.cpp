#include "datasource/html/blocks.hpp"

#include <string_view>

#include "core/strings.hpp"
#include "datasource/untrusted_text.hpp"

namespace datasync::datasource::html {

namespace {

bool IsBlockTag(std::string_view t) {
  for (std::string_view b : {"p",  "div", "h1", "h2", "h3", "h4",      "h5",         "h6",  "li",     "ul",
                             "ol", "dl",  "dt", "dd", "hr", "section", "blockquote", "nav", "header", "footer"}) {
    if (t == b) return true;
  }
  return false;
}

class Linearizer {
 public:
  std::vector<Block> Run(const Node& root) {
    Walk(root);
    Flush();
    return std::move(blocks_);
  }

 private:
  void Walk(const Node& n) {
    if (n.IsText()) {
      buf_ += n.RawText();
      return;
    }
    if (!n.IsElement() || IsSkipped(n)) return;
    std::string_view t = n.Tag();
    if (t == "br") {
      buf_ += '\n';
      return;
    }
    if (t == "table") {
      Flush();
      blocks_.push_back({{}, n});
      return;
    }
    if (t == "pre") {
      Flush();
      return;
    }
    bool block = IsBlockTag(t);
    if (block) Flush();
    for (const Node& c : n.Children()) Walk(c);
    if (block) Flush();
  }

  void Flush() {
    Block b;
    for (const auto& raw : core::Split(buf_, '\n')) {
      std::string line = CleanText(raw);
      if (!line.empty()) b.lines.push_back(std::move(line));
    }
    buf_.clear();
    if (!b.lines.empty()) blocks_.push_back(std::move(b));
  }

  std::string buf_;
  std::vector<Block> blocks_;
};

}  // namespace

std::vector<Block> Linearize(const Node& root) {
  return Linearizer().Run(root);
}

}  // namespace datasync::datasource::html
