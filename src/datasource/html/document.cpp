#include "datasource/html/document.hpp"

#include <gumbo.h>

#include "core/strings.hpp"
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

const GumboNode* FindNode(const GumboNode* n, const std::function<bool(const Node&)>& pred,
                          Node (*wrap)(const GumboNode*)) {
  if (n->type == GUMBO_NODE_ELEMENT && pred(wrap(n))) return n;
  if (const GumboVector* c = ChildrenOf(n)) {
    for (unsigned i = 0; i < c->length; ++i) {
      if (const GumboNode* found = FindNode(static_cast<const GumboNode*>(c->data[i]), pred, wrap)) return found;
    }
  }
  return nullptr;
}

// Inline text of a node; <br> becomes `br`.
void AppendText(const GumboNode* n, std::string& out, char br) {
  switch (n->type) {
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_WHITESPACE:
    case GUMBO_NODE_CDATA: out += n->v.text.text; return;
    case GUMBO_NODE_ELEMENT:
      if (SkippedTag(n->v.element.tag)) return;
      if (n->v.element.tag == GUMBO_TAG_BR) {
        out += br;
        return;
      }
      if (const GumboVector* c = ChildrenOf(n)) {
        for (unsigned i = 0; i < c->length; ++i) AppendText(static_cast<const GumboNode*>(c->data[i]), out, br);
      }
      return;
    default: return;
  }
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
  return Node(FindNode(node_, pred, [](const GumboNode* n) { return Node(n); }));
}

std::string Node::Text() const {
  std::string s;
  if (node_) AppendText(node_, s, ' ');
  return CleanText(s);
}

Document::Document(std::string_view html)
    : out_(gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size())) {}

Document::~Document() {
  gumbo_destroy_output(&kGumboDefaultOptions, out_);
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
