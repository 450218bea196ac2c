#include "datasource/html/nesting_scan.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace datasync::datasource::html {

namespace {

template <size_t N>
bool OneOf(std::string_view name, const std::array<std::string_view, N>& set) {
  return std::find(set.begin(), set.end(), name) != set.end();
}

bool IsVoid(std::string_view t) {
  static constexpr std::array<std::string_view, 19> k = {
      "area", "base",  "basefont", "bgsound", "br",   "col",   "embed",  "frame", "hr", "image",
      "img",  "input", "keygen",   "link",    "meta", "param", "source", "track", "wbr"};
  return OneOf(t, k);
}

bool IsFormatting(std::string_view t) {
  static constexpr std::array<std::string_view, 14> k = {"a",    "b", "big",   "code",   "em",     "font", "i",
                                                         "nobr", "s", "small", "strike", "strong", "tt",   "u"};
  return OneOf(t, k);
}

// The spec's "special" category (void ones left out: they are never on the stack).
bool IsSpecial(std::string_view t) {
  static constexpr std::array<std::string_view, 62> k = {
      "address",   "applet",   "article",  "aside",    "blockquote", "body",     "button",  "caption",  "center",
      "colgroup",  "dd",       "details",  "dir",      "div",        "dl",       "dt",      "fieldset", "figcaption",
      "figure",    "footer",   "form",     "frameset", "h1",         "h2",       "h3",      "h4",       "h5",
      "h6",        "head",     "header",   "hgroup",   "html",       "iframe",   "li",      "listing",  "main",
      "marquee",   "menu",     "nav",      "noembed",  "noframes",   "noscript", "object",  "ol",       "p",
      "plaintext", "pre",      "script",   "section",  "select",     "style",    "summary", "table",    "tbody",
      "td",        "template", "textarea", "tfoot",    "th",         "thead",    "title",   "tr"};
  return OneOf(t, k) || t == "ul" || t == "xmp";
}

// Elements that bound "has an element in scope".
bool IsScopeBoundary(std::string_view t) {
  static constexpr std::array<std::string_view, 11> k = {"applet",  "caption", "html",     "table", "td",  "th",
                                                         "marquee", "object",  "template", "svg",   "math"};
  return OneOf(t, k);
}

// Elements that push a marker on the list of active formatting elements.
bool IsMarker(std::string_view t) {
  static constexpr std::array<std::string_view, 7> k = {"td",     "th",      "caption", "applet",
                                                        "object", "marquee", "template"};
  return OneOf(t, k);
}

// Start tags that close an open <p> first.
bool ClosesP(std::string_view t) {
  static constexpr std::array<std::string_view, 37> k = {
      "address",  "article",    "aside",   "blockquote", "center", "details", "dialog",   "dir",  "div", "dl",
      "fieldset", "figcaption", "figure",  "footer",     "header", "hgroup",  "main",     "menu", "nav", "ol",
      "p",        "section",    "summary", "ul",         "h1",     "h2",      "h3",       "h4",   "h5",  "h6",
      "pre",      "listing",    "form",    "li",         "dd",     "dt",      "plaintext"};
  return OneOf(t, k) || t == "table" || t == "xmp";
}

// Elements whose content is text up to their end tag, never tags.
bool IsRawText(std::string_view t) {
  static constexpr std::array<std::string_view, 8> k = {"script",  "style",    "xmp",      "iframe",
                                                        "noembed", "noframes", "textarea", "title"};
  return OneOf(t, k);
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

char Lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool IsAsciiAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

class Scanner {
 public:
  Scanner(std::string_view html, size_t limit) : html_(html), limit_(limit) {}

  NestingScan Run() {
    size_t i = 0;
    const size_t n = html_.size();
    while (i < n) {
      size_t lt = html_.find('<', i);
      Text(html_.substr(i, (lt == std::string_view::npos ? n : lt) - i));
      if (lt == std::string_view::npos) break;
      i = lt;
      std::string_view rest = html_.substr(i);
      if (rest.starts_with("<!--")) {
        size_t end = html_.find("-->", i + 4);
        i = end == std::string_view::npos ? n : end + 3;
      } else if (rest.size() > 1 && (rest[1] == '!' || rest[1] == '?')) {
        size_t end = html_.find('>', i);
        i = end == std::string_view::npos ? n : end + 1;
      } else if (rest.size() > 2 && rest[1] == '/' && IsAsciiAlpha(rest[2])) {
        std::string name = Name(i + 2, i);
        size_t end = html_.find('>', i);
        i = end == std::string_view::npos ? n : end + 1;
        EndTag(name);
      } else if (rest.size() > 1 && IsAsciiAlpha(rest[1])) {
        std::string name = Name(i + 1, i);
        bool self_closing = false;
        i = SkipAttributes(i, self_closing);
        StartTag(name, self_closing);
        if (name == "plaintext") break;
        if (IsRawText(name)) i = FindEndTag(name, i);
      } else {
        Text(rest.substr(0, 1));
        ++i;
      }
    }
    return result_;
  }

 private:
  static constexpr std::string_view kMarker = "";

  // The lower-case tag name starting at `from`; `to` is left after it.
  std::string Name(size_t from, size_t& to) const {
    std::string name;
    size_t j = from;
    while (j < html_.size() && !IsSpace(html_[j]) && html_[j] != '/' && html_[j] != '>') name += Lower(html_[j++]);
    to = j;
    return name;
  }

  // Skips a start tag's attributes (quoted values may hold '>'); returns the index after its '>'.
  size_t SkipAttributes(size_t j, bool& self_closing) const {
    const size_t n = html_.size();
    while (j < n && html_[j] != '>') {
      if (html_[j] == '=') {
        ++j;
        while (j < n && IsSpace(html_[j])) ++j;
        if (j < n && (html_[j] == '"' || html_[j] == '\'')) {
          size_t close = html_.find(html_[j], j + 1);
          j = close == std::string_view::npos ? n : close + 1;
        }
        continue;
      }
      ++j;
    }
    self_closing = j < n && j > 0 && html_[j - 1] == '/';
    return j < n ? j + 1 : n;
  }

  // The index of `</name` (any case) at or after `from`, or the end of the text.
  size_t FindEndTag(const std::string& name, size_t from) const {
    for (size_t j = html_.find("</", from); j != std::string_view::npos; j = html_.find("</", j + 2)) {
      if (j + 2 + name.size() > html_.size()) break;
      bool same = true;
      for (size_t k = 0; k < name.size() && same; ++k) same = Lower(html_[j + 2 + k]) == name[k];
      if (same) return j;
    }
    return html_.size();
  }

  void Text(std::string_view text) {
    if (std::any_of(text.begin(), text.end(), [](char c) { return !IsSpace(c); })) Reconstruct();
  }

  void StartTag(const std::string& name, bool self_closing) {
    ++result_.tags;
    if (over_) {
      if (!IsVoid(name) && !(self_closing && foreign_ > 0)) Deeper(++naive_depth_);
      return;
    }
    if (IsVoid(name)) {
      if (name != "link" && name != "meta" && name != "base") Reconstruct();
      return;
    }
    if (self_closing && foreign_ > 0) return;  // <path/> in SVG closes itself; <div/> in HTML does not
    if (ClosesP(name)) PopTo(Find("p", true), false);
    if (name == "li") {
      CloseSibling({"li"});
    } else if (name == "dd" || name == "dt") {
      CloseSibling({"dd", "dt"});
    } else if (name == "h1" || name == "h2" || name == "h3" || name == "h4" || name == "h5" || name == "h6") {
      if (!stack_.empty() && stack_.back().size() == 2 && stack_.back()[0] == 'h' && stack_.back()[1] >= '1' &&
          stack_.back()[1] <= '6') {
        PopTo(stack_.size() - 1, false);
      }
    } else if (name == "option" || name == "optgroup") {
      if (!stack_.empty() && stack_.back() == "option") PopTo(stack_.size() - 1, false);
      if (name == "optgroup" && !stack_.empty() && stack_.back() == "optgroup") PopTo(stack_.size() - 1, false);
    } else if (name == "td" || name == "th" || name == "tr" || name == "tbody" || name == "thead" || name == "tfoot" ||
               name == "caption" || name == "colgroup") {
      if (tables_ == 0) return;  // outside a table the parser ignores them (`<td><b>x</td>` nests the <b>s)
      if (name != "caption" && name != "colgroup") TableStart(name);
    } else if (name == "a") {
      EndTag("a");  // an open <a> is closed by the next one (the adoption agency)
    }
    if (IsFormatting(name) || !IsSpecial(name)) Reconstruct();
    Push(name);
  }

  // <td>/<th> close an open cell, <tr> an open row, a section an open section; the elements gumbo implies
  // between them (tbody, tr) are pushed as well.
  void TableStart(const std::string& name) {
    const bool cell = name == "td" || name == "th";
    const bool row = name == "tr";
    for (size_t k = stack_.size(); k > 0 && stack_.size() - k < limit_; --k) {
      const std::string& e = stack_[k - 1];
      if (e == "table" || e == "html" || e == "template") break;
      if ((cell && (e == "td" || e == "th")) || (row && e == "tr") ||
          (!cell && !row && (e == "tbody" || e == "thead" || e == "tfoot"))) {
        PopTo(k - 1, false);
        break;
      }
      if ((cell || row) && (e == "tbody" || e == "thead" || e == "tfoot" || (cell && e == "tr"))) break;
    }
    if (stack_.empty()) return;
    if ((cell || row) && stack_.back() == "table") Push("tbody");
    if (cell && (stack_.back() == "tbody" || stack_.back() == "thead" || stack_.back() == "tfoot")) Push("tr");
  }

  // An open sibling (li, dd/dt) is closed unless a special element other than address, div and p is in the way.
  void CloseSibling(std::initializer_list<std::string_view> names) {
    for (size_t k = stack_.size(); k > 0 && stack_.size() - k < limit_; --k) {
      const std::string& e = stack_[k - 1];
      if (std::find(names.begin(), names.end(), e) != names.end()) {
        PopTo(k - 1, false);
        return;
      }
      if (IsSpecial(e) && e != "address" && e != "div" && e != "p") return;
    }
  }

  void EndTag(const std::string& name) {
    if (over_) {
      if (naive_depth_ > 0) --naive_depth_;
      return;
    }
    if (name == "br") {
      Reconstruct();
      return;
    }
    if (IsFormatting(name)) {
      size_t at = Find(name, false);
      if (at == kNone) {
        ForgetFormatting(name);
      } else if (at + 1 == stack_.size()) {
        PopTo(at, true);
      } else {
        // The adoption agency: the formatting element goes, the block after it stays open with what
        // it holds (reparented), so nothing above it leaves the stack.
        stack_.erase(stack_.begin() + static_cast<std::ptrdiff_t>(at));
      }
      return;
    }
    if (IsSpecial(name)) {
      PopTo(Find(name, name == "p"), true);
      return;
    }
    // Any other end tag closes its element unless a special element is in the way; then it is ignored.
    for (size_t k = stack_.size(); k > 0 && stack_.size() - k < limit_; --k) {
      const std::string& e = stack_[k - 1];
      if (e == name) {
        PopTo(k - 1, true);
        return;
      }
      if (IsSpecial(e)) return;
    }
  }

  static constexpr size_t kNone = static_cast<size_t>(-1);

  // The index of the nearest open `name` in scope (button scope adds <button>), or kNone.
  size_t Find(std::string_view name, bool button_scope) const {
    for (size_t k = stack_.size(); k > 0 && stack_.size() - k < limit_; --k) {
      const std::string& e = stack_[k - 1];
      if (e == name) return k - 1;
      if (IsScopeBoundary(e) || (button_scope && e == "button")) return kNone;
    }
    return kNone;
  }

  // Pops the stack down to index `at` (included). Formatting elements popped on the way (not by their
  // own end tag: `own` says whether `at` was closed by its own end tag) are reopened by the next text or
  // phrasing tag, as gumbo's "reconstruct the active formatting elements" does; popping a cell, caption
  // or object drops those opened inside it.
  void PopTo(size_t at, bool own) {
    if (at == kNone || at >= stack_.size()) return;
    while (stack_.size() > at) {
      std::string e = std::move(stack_.back());
      stack_.pop_back();
      const bool target = stack_.size() == at;
      if (e == "svg" || e == "math") --foreign_;
      if (e == "table") --tables_;
      if (IsMarker(e)) {
        while (!afe_.empty() && afe_.back() != kMarker) afe_.pop_back();
        if (!afe_.empty()) afe_.pop_back();
      } else if (IsFormatting(e) && !(target && own)) {
        afe_.push_back(std::move(e));
      }
    }
  }

  // An end tag for a formatting element that is no longer open: it leaves the list to reopen.
  void ForgetFormatting(const std::string& name) {
    for (size_t k = afe_.size(); k > 0; --k) {
      if (afe_[k - 1] == kMarker) return;
      if (afe_[k - 1] == name) {
        afe_.erase(afe_.begin() + static_cast<std::ptrdiff_t>(k - 1));
        return;
      }
    }
  }

  void Reconstruct() {
    if (over_ || afe_.empty() || afe_.back() == kMarker) return;
    size_t from = afe_.size();
    while (from > 0 && afe_[from - 1] != kMarker) --from;
    std::vector<std::string> reopen(std::make_move_iterator(afe_.begin() + static_cast<std::ptrdiff_t>(from)),
                                    std::make_move_iterator(afe_.end()));
    afe_.resize(from);
    for (auto& e : reopen) {
      if (over_) break;
      Push(std::move(e));
    }
  }

  void Push(std::string name) {
    if (name == "svg" || name == "math") ++foreign_;
    if (name == "table") ++tables_;
    if (IsMarker(name)) afe_.emplace_back(kMarker);
    stack_.push_back(std::move(name));
    Deeper(stack_.size());
    if (stack_.size() > limit_) {
      // Past the limit the page is refused anyway: count plainly from here on (start tags deepen, end
      // tags return), for the message, in linear time.
      over_ = true;
      naive_depth_ = stack_.size();
    }
  }

  void Deeper(size_t depth) { result_.max_depth = std::max(result_.max_depth, depth); }

  std::string_view html_;
  size_t limit_;
  NestingScan result_;
  std::vector<std::string> stack_;  // open elements, the root first
  std::vector<std::string> afe_;    // formatting elements to reopen, and markers ("")
  int foreign_ = 0;                 // open svg/math elements
  int tables_ = 0;                  // open tables
  bool over_ = false;
  size_t naive_depth_ = 0;
};

}  // namespace

NestingScan ScanNesting(std::string_view html, size_t search_limit) {
  return Scanner(html, std::max<size_t>(search_limit, 1)).Run();
}

}  // namespace datasync::datasource::html
