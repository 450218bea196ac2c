// An HTML document parsed by gumbo (a real HTML5 parser, https://github.com/google/gumbo-parser) and a
// read-only view of its nodes, for importers that read a vendor's documentation pages. gumbo stays in
// the .cpp files of this folder: callers see tag names, attributes, children and text.
//
// A page is untrusted: Document::Parse refuses text larger than ParseLimits::max_bytes or nesting deeper
// than ParseLimits::max_depth before gumbo sees it (nesting_scan.hpp: gumbo has no depth limit and its time
// grows with the square of the depth), and checks the depth of the tree it got. Every walk over the tree
// here and in blocks.cpp/table.cpp uses an explicit stack, never recursion.
//
// Lifecycle: a Document owns the parsed tree; Nodes are non-owning views that are valid while their
// Document lives. A Document is immutable after construction: const use from several threads is safe.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

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

struct ParseLimits {
  size_t max_bytes = size_t{2} << 20;  // a Tushare doc page is about 35 KiB
  size_t max_depth = 512;              // Blink's HTML parser caps nesting at 512 too; doc pages nest about 15
};

class Document {
 public:
  // kInvalidInput, saying which limit and the size or depth found, when the text is too large or nests too
  // deep; messages start with "the page".
  static core::Result<Document> Parse(std::string_view html, const ParseLimits& limits = {});
  ~Document();
  Document(Document&& other) noexcept;
  Document& operator=(Document&& other) noexcept;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  Node Root() const;

 private:
  explicit Document(GumboInternalOutput* out) : out_(out) {}
  GumboInternalOutput* out_ = nullptr;
};

// Elements whose content is never text of the page: script, style, noscript, template, svg, input,
// button, select.
bool IsSkipped(const Node& n);

}  // namespace datasync::datasource::html
