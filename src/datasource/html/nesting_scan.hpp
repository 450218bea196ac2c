// NestingScan: how deep an HTML text nests its elements, estimated in one linear pass over its tags,
// before a parser builds the tree. gumbo 0.10.1 has no depth limit and spends time growing with the
// square of the depth (a 20,000-deep page takes 40 s), so Document::Parse refuses a page this scan finds
// too deep instead of handing it to gumbo.
//
// The scan follows the parts of the HTML tree-construction rules that decide depth
// (https://html.spec.whatwg.org/multipage/parsing.html#tree-construction): void elements, raw-text
// elements, comments, implied end tags (p, li, dt/dd, td/th, tr, option), end tags that pop to their
// element in scope, end tags that are ignored when a "special" element is in the way (`<span><div></span>`),
// formatting end tags that leave the block after them open (the adoption agency: `<b><div></b>`), and
// formatting elements reopened after a block closed them. It errs towards deeper, so that a hostile page
// cannot look shallow; on real pages it matches gumbo's depth within the elements gumbo implies
// (html/head/body, tbody). Document::Parse also checks the depth of the tree it got.
//
// Pure function; thread-safe. Cost: linear in the text, plus at most `search_limit` stack entries looked
// at per end tag.
#pragma once

#include <cstddef>
#include <string_view>

namespace datasync::datasource::html {

struct NestingScan {
  size_t max_depth = 0;  // the deepest nesting seen (elements on the way from the root, the root included)
  size_t tags = 0;       // start tags seen
};

// `search_limit` bounds how far down the stack an end tag looks for its element; pass the depth limit the
// caller enforces (a page deeper than it is refused anyway).
NestingScan ScanNesting(std::string_view html, size_t search_limit);

}  // namespace datasync::datasource::html
