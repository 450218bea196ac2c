// An HTML document parsed by gumbo (a real HTML5 parser, https://github.com/google/gumbo-parser) and a
// read-only view of its nodes, for importers that read a vendor's documentation pages. gumbo stays in
// the .cpp files of this folder: callers see tag names, attributes, children and text.
//
// Lifecycle: a Document owns the parsed tree; Nodes are non-owning views that are valid while their
// Document lives. A Document is immutable after construction: const use from several threads is safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

struct GumboInternalNode;
struct GumboInternalOutput;

namespace datasync::datasource::html {

class Node {
 public:
  Node() = default;
  explicit operator bool() const { return node_ != nullptr; }

  bool IsElement() const;
  bool IsText() const;  // text, whitespace or CDATA
  // An element with this lower-case tag name ("table", "h2", "li").
  bool Is(std::string_view tag) const;
  // The element's lower-case tag name; empty for other nodes.
  std::string_view Tag() const;
  // The attribute's value; empty when absent or not an element.
  std::string_view Attr(std::string_view name) const;
  bool HasClass(std::string_view cls) const;
  // The raw text of a text node; empty for other nodes.
  std::string_view RawText() const;
  // Child nodes (elements, text, ...) of an element or of the document.
  std::vector<Node> Children() const;
  // The first element (pre-order, this node included) for which pred holds; a null Node when none.
  Node Find(const std::function<bool(const Node&)>& pred) const;
  // The node's inline text, cleaned (CleanText): scripts, styles and form controls left out, <br> a space.
  std::string Text() const;

  friend bool operator==(const Node&, const Node&) = default;

 private:
  friend class Document;
  explicit Node(const GumboInternalNode* n) : node_(n) {}
  const GumboInternalNode* node_ = nullptr;
};

class Document {
 public:
  explicit Document(std::string_view html);
  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  Node Root() const;

 private:
  GumboInternalOutput* out_;
};

// Elements whose content is never text of the page: script, style, noscript, template, svg, input,
// button, select.
bool IsSkipped(const Node& n);

}  // namespace datasync::datasource::html
