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
  // Pre-order with an explicit stack; a block element's entry comes back once its children are done, to
  // end its block.
  void Walk(const Node& root) {
    struct Entry {
      Node node;
      bool closing = false;
    };
    std::vector<Entry> stack{{root}};
    while (!stack.empty()) {
      Entry e = stack.back();
      stack.pop_back();
      if (e.closing) {
        Flush();
        continue;
      }
      const Node& n = e.node;
      if (n.IsText()) {
        buf_ += n.RawText();
        continue;
      }
      if (!n.IsElement() || IsSkipped(n)) continue;
      std::string_view t = n.Tag();
      if (t == "br") {
        buf_ += '\n';
        continue;
      }
      if (t == "table") {
        Flush();
        blocks_.push_back({{}, n});
        continue;
      }
      if (t == "pre") {
        Flush();
        continue;
      }
      if (IsBlockTag(t)) {
        Flush();
        stack.push_back({n, true});
      }
      std::vector<Node> children = n.Children();
      for (auto c = children.rbegin(); c != children.rend(); ++c) stack.push_back({*c});
    }
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
