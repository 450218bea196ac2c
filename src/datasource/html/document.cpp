#include "datasource/html/document.hpp"

#include <gumbo.h>

#include <algorithm>
#include <utility>

#include "core/strings.hpp"
#include "datasource/html/nesting_scan.hpp"
#include "datasource/untrusted_text.hpp"

namespace datasync::datasource::html {

namespace {

bool SkippedTag(GumboTag t) {
  return t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_NOSCRIPT || t == GUMBO_TAG_TEMPLATE ||
         t == GUMBO_TAG_SVG || t == GUMBO_TAG_INPUT || t == GUMBO_TAG_BUTTON || t == GUMBO_TAG_SELECT;
}

const GumboVector* ChildrenOf(const GumboNode* n) {
  if (n->type == GUMBO_NODE_ELEMENT) return &n->v.element.children;
  if (n->type == GUMBO_NODE_DOCUMENT) return &n->v.document.children;
  return nullptr;
}

const GumboNode* Child(const GumboVector* c, size_t i) {
  return static_cast<const GumboNode*>(c->data[i]);
}

// Pre-order, this node first, with an explicit stack: a page's depth is bounded, but not by much.
template <class Visit>
void PreOrder(const GumboNode* root, Visit&& visit) {
  std::vector<const GumboNode*> stack{root};
  while (!stack.empty()) {
    const GumboNode* n = stack.back();
    stack.pop_back();
    if (!visit(n)) continue;  // false: do not descend
    if (const GumboVector* c = ChildrenOf(n)) {
      for (size_t i = c->length; i > 0; --i) stack.push_back(Child(c, i - 1));
    }
  }
}

// Inline text of a node; <br> becomes `br`.
void AppendText(const GumboNode* root, std::string& out, char br) {
  PreOrder(root, [&](const GumboNode* n) {
    switch (n->type) {
      case GUMBO_NODE_TEXT:
      case GUMBO_NODE_WHITESPACE:
      case GUMBO_NODE_CDATA: out += n->v.text.text; return false;
      case GUMBO_NODE_ELEMENT:
        if (SkippedTag(n->v.element.tag)) return false;
        if (n->v.element.tag == GUMBO_TAG_BR) {
          out += br;
          return false;
        }
        return true;
      default: return false;
    }
  });
}

size_t TreeDepth(const GumboNode* root) {
  size_t deepest = 0;
  std::vector<std::pair<const GumboNode*, size_t>> stack{{root, 0}};
  while (!stack.empty()) {
    auto [n, depth] = stack.back();
    stack.pop_back();
    deepest = std::max(deepest, depth);
    if (const GumboVector* c = ChildrenOf(n)) {
      for (size_t i = 0; i < c->length; ++i) stack.emplace_back(Child(c, i), depth + 1);
    }
  }
  return deepest;
}

core::Error TooDeep(size_t depth, const ParseLimits& limits) {
  return core::Error(core::ErrorKind::kInvalidInput,
                     "the page has elements nested " + std::to_string(depth) + " deep, more than the limit of " +
                         std::to_string(limits.max_depth) +
                         " (doc pages nest a few dozen at most); it was not parsed: a broken or hostile page?");
}

}  // namespace

bool Node::IsElement() const {
  return node_ && node_->type == GUMBO_NODE_ELEMENT;
}

bool Node::IsText() const {
  return node_ &&
         (node_->type == GUMBO_NODE_TEXT || node_->type == GUMBO_NODE_WHITESPACE || node_->type == GUMBO_NODE_CDATA);
}

std::string_view Node::Tag() const {
  if (!IsElement()) return {};
  return gumbo_normalized_tagname(node_->v.element.tag);
}

bool Node::Is(std::string_view tag) const {
  return IsElement() && Tag() == tag;
}

std::string_view Node::Attr(std::string_view name) const {
  if (!IsElement()) return {};
  const GumboAttribute* a = gumbo_get_attribute(&node_->v.element.attributes, std::string(name).c_str());
  return a ? std::string_view(a->value) : std::string_view();
}

bool Node::HasClass(std::string_view cls) const {
  for (const auto& c : core::Split(Attr("class"), ' ')) {
    if (c == cls) return true;
  }
  return false;
}

std::string_view Node::RawText() const {
  return IsText() ? std::string_view(node_->v.text.text) : std::string_view();
}

std::vector<Node> Node::Children() const {
  std::vector<Node> out;
  if (!node_) return out;
  if (const GumboVector* c = ChildrenOf(node_)) {
    out.reserve(c->length);
    for (unsigned i = 0; i < c->length; ++i) out.push_back(Node(static_cast<const GumboNode*>(c->data[i])));
  }
  return out;
}

Node Node::Find(const std::function<bool(const Node&)>& pred) const {
  if (!node_) return Node();
  const GumboNode* found = nullptr;
  PreOrder(node_, [&](const GumboNode* n) {
    if (found) return false;
    if (n->type == GUMBO_NODE_ELEMENT && pred(Node(n))) {
      found = n;
      return false;
    }
    return true;
  });
  return Node(found);
}

std::string Node::Text() const {
  std::string s;
  if (node_) AppendText(node_, s, ' ');
  return CleanText(s);
}

core::Result<Document> Document::Parse(std::string_view html, const ParseLimits& limits) {
  if (html.size() > limits.max_bytes) {
    return core::Fail(core::ErrorKind::kInvalidInput,
                      "the page is " + std::to_string(html.size()) + " bytes, more than the limit of " +
                          std::to_string(limits.max_bytes) + " bytes; it was not parsed");
  }
  if (NestingScan scan = ScanNesting(html, limits.max_depth); scan.max_depth > limits.max_depth) {
    return tl::unexpected(TooDeep(scan.max_depth, limits));
  }
  Document doc(gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size()));
  // The scan errs towards deeper, but it is not gumbo: check what gumbo built (its destroy recurses too).
  if (size_t depth = TreeDepth(doc.out_->root); depth > limits.max_depth) {
    return tl::unexpected(TooDeep(depth, limits));
  }
  return doc;
}

Document::Document(Document&& other) noexcept : out_(std::exchange(other.out_, nullptr)) {}

Document& Document::operator=(Document&& other) noexcept {
  if (this != &other) {
    if (out_) gumbo_destroy_output(&kGumboDefaultOptions, out_);
    out_ = std::exchange(other.out_, nullptr);
  }
  return *this;
}

Document::~Document() {
  if (out_) gumbo_destroy_output(&kGumboDefaultOptions, out_);
}

Node Document::Root() const {
  return Node(out_->root);
}

bool IsSkipped(const Node& n) {
  for (std::string_view t : {"script", "style", "noscript", "template", "svg", "input", "button", "select"}) {
    if (n.Is(t)) return true;
  }
  return false;
}

}  // namespace datasync::datasource::html
