#include "datasource/tushare/doc_page.hpp"

#include <gumbo.h>

#include <algorithm>
#include <array>
#include <memory>

#include "core/strings.hpp"

namespace datasync::datasource::tushare {

using core::ErrorKind;
using core::Fail;

namespace {

constexpr size_t kMaxNameBytes = 64;
constexpr size_t kMaxTextBytes = 2000;
constexpr size_t kMaxRows = 2000;  // a field table longer than this is not a doc page we understand

// --- text helpers --------------------------------------------------------------------------------

bool Contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

// Collapses runs of whitespace (ASCII, NBSP U+00A0, ideographic space U+3000) into one space, drops control
// characters, trims, and caps the length at a UTF-8 character boundary.
std::string CleanText(std::string_view s, size_t cap = kMaxTextBytes) {
  std::string out;
  bool space = false;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t len = 1;
    bool is_space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0xA0) {
      is_space = true;
      len = 2;
    } else if (c == 0xE3 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               static_cast<unsigned char>(s[i + 2]) == 0x80) {
      is_space = true;
      len = 3;
    }
    if (is_space) {
      space = !out.empty();
      i += len;
      continue;
    }
    if (c < 0x20 || c == 0x7F) {
      ++i;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += s[i++];
  }
  if (out.size() > cap) {
    size_t cut = cap;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

bool IsIdentifier(std::string_view s) {
  if (s.empty() || s.size() > kMaxNameBytes) return false;
  auto c0 = static_cast<unsigned char>(s[0]);
  if (!(std::isalpha(c0) || c0 == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return std::isalnum(c) || c == '_';
  });
}

// Splits "key：value" / "key: value" (full-width or ASCII colon) at the first colon.
bool SplitKeyValue(std::string_view line, std::string& key, std::string& value) {
  static constexpr std::string_view kFullColon = "\xEF\xBC\x9A";  // ：
  size_t full = line.find(kFullColon);
  size_t ascii = line.find(':');
  size_t at = std::min(full, ascii);
  if (at == std::string_view::npos) return false;
  size_t width = at == full ? kFullColon.size() : 1;
  key = std::string(core::Trim(line.substr(0, at)));
  value = std::string(core::Trim(line.substr(at + width)));
  return true;
}

// A heading line without its trailing colon: "输出参数：" -> "输出参数".
std::string HeadingText(std::string_view line) {
  std::string key, value;
  if (SplitKeyValue(line, key, value) && value.empty()) return key;
  return std::string(core::Trim(line));
}

enum class Heading : uint8_t { kNone, kInput, kOutput, kExample };

Heading Classify(std::string_view line) {
  std::string h = HeadingText(line);
  for (std::string_view k : {"输入参数", "接口参数", "请求参数", "输入"}) {
    if (h == k) return Heading::kInput;
  }
  for (std::string_view k : {"输出参数", "输出字段", "返回参数", "返回字段", "输出"}) {
    if (h == k) return Heading::kOutput;
  }
  for (std::string_view k : {"接口示例", "接口用例", "调用示例", "代码示例", "数据样例", "数据示例"}) {
    if (h == k) return Heading::kExample;
  }
  return Heading::kNone;
}

// The number before "条" / "积分" in free text: "每次6000条", "单次最大 5,000 条", "1万条", "至少2000积分".
// Only numbers preceded (within a few characters) by one of `triggers` count, unless `triggers` is empty.
int64_t NumberBefore(std::string_view text, std::string_view unit, const std::vector<std::string_view>& triggers) {
  for (size_t at = text.find(unit); at != std::string_view::npos; at = text.find(unit, at + 1)) {
    size_t end = at;
    while (end > 0 && text[end - 1] == ' ') --end;
    int64_t multiplier = 1;
    static constexpr std::string_view kWan = "\xE4\xB8\x87";  // 万
    if (end >= kWan.size() && text.substr(end - kWan.size(), kWan.size()) == kWan) {
      multiplier = 10000;
      end -= kWan.size();
    }
    size_t begin = end;
    while (begin > 0 && (std::isdigit(static_cast<unsigned char>(text[begin - 1])) || text[begin - 1] == ',')) --begin;
    std::string digits;
    for (size_t i = begin; i < end; ++i) {
      if (text[i] != ',') digits += text[i];
    }
    if (digits.empty() || digits.size() > 12) continue;
    std::string_view before = text.substr(begin >= 18 ? begin - 18 : 0, std::min<size_t>(begin, 18));
    bool triggered = triggers.empty();
    for (auto t : triggers) triggered = triggered || Contains(before, t);
    if (!triggered) continue;
    return std::stoll(digits) * multiplier;
  }
  return 0;
}

bool IsYes(std::string_view v) {
  std::string t = core::ToLower(core::Trim(v));
  return t == "y" || t == "yes" || t == "true" || t == "是" || t == "必选" || t == "必填";
}

// --- the DOM -------------------------------------------------------------------------------------

struct GumboDoc {
  explicit GumboDoc(std::string_view html)
      : out(gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size())) {}
  ~GumboDoc() { gumbo_destroy_output(&kGumboDefaultOptions, out); }
  GumboDoc(const GumboDoc&) = delete;
  GumboDoc& operator=(const GumboDoc&) = delete;
  GumboOutput* out;
};

bool IsElement(const GumboNode* n, GumboTag tag) { return n->type == GUMBO_NODE_ELEMENT && n->v.element.tag == tag; }

std::string_view Attr(const GumboNode* n, const char* name) {
  if (n->type != GUMBO_NODE_ELEMENT) return {};
  const GumboAttribute* a = gumbo_get_attribute(&n->v.element.attributes, name);
  return a ? std::string_view(a->value) : std::string_view();
}

bool HasClass(const GumboNode* n, std::string_view cls) {
  for (const auto& c : core::Split(Attr(n, "class"), ' ')) {
    if (c == cls) return true;
  }
  return false;
}

const GumboVector* Children(const GumboNode* n) {
  if (n->type == GUMBO_NODE_ELEMENT) return &n->v.element.children;
  if (n->type == GUMBO_NODE_DOCUMENT) return &n->v.document.children;
  return nullptr;
}

template <class Fn>
void ForEachChild(const GumboNode* n, Fn&& fn) {
  if (const GumboVector* c = Children(n)) {
    for (unsigned i = 0; i < c->length; ++i) fn(static_cast<const GumboNode*>(c->data[i]));
  }
}

// First element (pre-order) for which pred holds.
template <class Pred>
const GumboNode* Find(const GumboNode* n, Pred&& pred) {
  if (n->type == GUMBO_NODE_ELEMENT && pred(n)) return n;
  const GumboNode* found = nullptr;
  ForEachChild(n, [&](const GumboNode* c) {
    if (!found) found = Find(c, pred);
  });
  return found;
}

bool Skipped(GumboTag t) {
  return t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_NOSCRIPT || t == GUMBO_TAG_TEMPLATE ||
         t == GUMBO_TAG_SVG || t == GUMBO_TAG_INPUT || t == GUMBO_TAG_BUTTON || t == GUMBO_TAG_SELECT;
}

// Inline text of a node; <br> becomes `br`.
void AppendText(const GumboNode* n, std::string& out, char br) {
  switch (n->type) {
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_WHITESPACE:
    case GUMBO_NODE_CDATA: out += n->v.text.text; return;
    case GUMBO_NODE_ELEMENT:
      if (Skipped(n->v.element.tag)) return;
      if (n->v.element.tag == GUMBO_TAG_BR) {
        out += br;
        return;
      }
      ForEachChild(n, [&](const GumboNode* c) { AppendText(c, out, br); });
      return;
    default: return;
  }
}

std::string TextOf(const GumboNode* n) {
  std::string s;
  AppendText(n, s, ' ');
  return CleanText(s);
}

bool IsBlock(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER: return true;
    default: return false;
  }
}

// The content div in document order: lines of text (split at blocks and <br>), and tables.
struct Block {
  std::vector<std::string> lines;   // text block
  const GumboNode* table = nullptr;  // table block
};

class Linearizer {
 public:
  std::vector<Block> Run(const GumboNode* root) {
    Walk(root);
    Flush();
    return std::move(blocks_);
  }

 private:
  void Walk(const GumboNode* n) {
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE || n->type == GUMBO_NODE_CDATA) {
      buf_ += n->v.text.text;
      return;
    }
    if (n->type != GUMBO_NODE_ELEMENT) return;
    GumboTag t = n->v.element.tag;
    if (Skipped(t)) return;
    if (t == GUMBO_TAG_BR) {
      buf_ += '\n';
      return;
    }
    if (t == GUMBO_TAG_TABLE) {
      Flush();
      blocks_.push_back({{}, n});
      return;
    }
    if (t == GUMBO_TAG_PRE) {  // code samples and data samples: never fields
      Flush();
      return;
    }
    bool block = IsBlock(t);
    if (block) Flush();
    ForEachChild(n, [&](const GumboNode* c) { Walk(c); });
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

struct RawTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

void CollectRows(const GumboNode* n, RawTable& t, bool& header_done) {
  ForEachChild(n, [&](const GumboNode* c) {
    if (c->type != GUMBO_NODE_ELEMENT) return;
    GumboTag tag = c->v.element.tag;
    if (tag == GUMBO_TAG_THEAD || tag == GUMBO_TAG_TBODY || tag == GUMBO_TAG_TFOOT) {
      CollectRows(c, t, header_done);
      return;
    }
    if (tag != GUMBO_TAG_TR) return;
    std::vector<std::string> cells;
    ForEachChild(c, [&](const GumboNode* cell) {
      if (IsElement(cell, GUMBO_TAG_TD) || IsElement(cell, GUMBO_TAG_TH)) cells.push_back(TextOf(cell));
    });
    if (cells.empty()) return;
    if (!header_done) {
      t.header = std::move(cells);
      header_done = true;
    } else if (t.rows.size() < kMaxRows) {
      t.rows.push_back(std::move(cells));
    }
  });
}

RawTable ReadTable(const GumboNode* table) {
  RawTable t;
  bool header_done = false;
  CollectRows(table, t, header_done);
  return t;
}

enum class Col : uint8_t { kName, kType, kRequired, kDefault, kDescription, kOther };

Col RoleOf(std::string_view header) {
  std::string h = core::ToLower(core::Trim(header));
  if (Contains(h, "默认")) return Col::kDefault;
  if (Contains(h, "必选") || Contains(h, "必填") || h == "required") return Col::kRequired;
  if (Contains(h, "类型") || h == "type") return Col::kType;
  if (Contains(h, "名称") || h == "字段" || h == "参数" || h == "字段名" || h == "参数名" || h == "name") return Col::kName;
  if (Contains(h, "描述") || Contains(h, "说明") || Contains(h, "含义") || Contains(h, "备注") || h == "description") {
    return Col::kDescription;
  }
  return Col::kOther;
}

struct Columns {
  int name = -1, type = -1, required = -1, default_shown = -1, description = -1;
};

Columns MapColumns(const RawTable& t) {
  Columns c;
  for (size_t i = 0; i < t.header.size(); ++i) {
    int* slot = nullptr;
    switch (RoleOf(t.header[i])) {
      case Col::kName: slot = &c.name; break;
      case Col::kType: slot = &c.type; break;
      case Col::kRequired: slot = &c.required; break;
      case Col::kDefault: slot = &c.default_shown; break;
      case Col::kDescription: slot = &c.description; break;
      case Col::kOther: break;
    }
    if (slot && *slot < 0) *slot = static_cast<int>(i);
  }
  return c;
}

std::string Cell(const std::vector<std::string>& row, int i) {
  return i >= 0 && static_cast<size_t>(i) < row.size() ? row[static_cast<size_t>(i)] : std::string();
}

std::string Headers(const RawTable& t) { return t.header.empty() ? "none" : core::Join(t.header, " | "); }

// --- the page ------------------------------------------------------------------------------------

class PageParser {
 public:
  PageParser(std::string_view html, std::string_view url) : doc_(html) { page_.url = std::string(url); }

  core::Result<DocPage> Run() {
    const GumboNode* root = doc_.out->root;
    // The content div is the stable part; fall back to the whole document for other shells.
    const GumboNode* content = Find(root, [](const GumboNode* n) {
      return HasClass(n, "content") && Find(n, [](const GumboNode* h) { return IsElement(h, GUMBO_TAG_H2); });
    });
    if (!content) content = root;
    const GumboNode* h2 = Find(content, [](const GumboNode* n) { return IsElement(n, GUMBO_TAG_H2); });
    if (!h2) return Missing("no title (an <h2> in the content)");
    page_.title = CleanText(TextOf(h2), 200);

    std::vector<Block> blocks = Linearizer().Run(content);
    Heading pending = Heading::kNone;
    bool in_intro = true, have_input = false, have_output = false;
    int ignored_tables = 0;
    std::vector<std::pair<std::string, std::string>> intro;
    for (const Block& b : blocks) {
      if (b.table) {
        RawTable t = ReadTable(b.table);
        Columns c = MapColumns(t);
        in_intro = false;
        if (pending == Heading::kNone && !have_output) {
          // No heading before it: decide by its columns (only input tables have 必选).
          if (c.required >= 0 && !have_input) pending = Heading::kInput;
          if (c.required < 0 && c.name >= 0 && c.type >= 0) pending = Heading::kOutput;
        }
        if (pending == Heading::kInput && !have_input) {
          if (auto st = ReadParams(t, c); !st) return Fail(st.error());
          have_input = true;
        } else if (pending == Heading::kOutput && !have_output) {
          if (auto st = ReadFields(t, c); !st) return Fail(st.error());
          have_output = true;
        } else {
          ++ignored_tables;
        }
        pending = Heading::kNone;
        continue;
      }
      for (const auto& line : b.lines) {
        Heading h = Classify(line);
        if (h != Heading::kNone) {
          pending = h;
          in_intro = false;
          continue;
        }
        std::string key, value;
        if (in_intro && SplitKeyValue(line, key, value)) intro.emplace_back(key, value);
      }
    }
    if (ignored_tables > 0) {
      page_.notes.push_back(std::to_string(ignored_tables) + " further table(s) on the page are not fields and were ignored");
    }
    ReadIntro(intro);
    if (page_.api.empty()) return Missing("no API name (a line 接口：NAME or 接口名称：NAME)");
    if (!have_output) return Missing("no output table (a table after 输出参数)");
    if (page_.fields.empty()) return Missing("the output table lists no usable fields");
    ProposeKeys(page_.fields, page_.primary_key, page_.date_key);
    return std::move(page_);
  }

 private:
  core::Result<DocPage> Missing(const std::string& what) const {
    return Fail(ErrorKind::kInvalidInput, "doc page " + page_.url + ": " + what + "; is it a dataset page?");
  }

  void ReadIntro(const std::vector<std::pair<std::string, std::string>>& intro) {
    auto get = [&](std::string_view key) -> std::string {
      for (const auto& [k, v] : intro) {
        if (k == key) return v;
      }
      return "";
    };
    for (std::string_view key : {"接口", "接口名称", "接口名"}) {
      std::string v = get(key);
      size_t n = 0;
      while (n < v.size() && (std::isalnum(static_cast<unsigned char>(v[n])) || v[n] == '_')) ++n;
      if (n > 0 && n <= kMaxNameBytes && IsIdentifier(v.substr(0, n))) {
        page_.api = v.substr(0, n);
        break;
      }
    }
    page_.description = CleanText(get("描述"));
    if (page_.description.empty()) page_.description = CleanText(get("数据说明"));
    // Row caps are free text ("单次最大5000条", "每次6000条", "单次请求最大返回6000条数据").
    const std::vector<std::string_view> cap_words = {"最大", "每次", "单次", "最多", "上限", "限量"};
    for (const auto& [k, v] : intro) {
      int64_t cap = NumberBefore(v, "条", k == "限量" ? std::vector<std::string_view>{} : cap_words);
      if (cap > 0) {
        page_.row_cap = cap;
        break;
      }
    }
    const std::vector<std::string_view> point_words = {"至少", "需要", "满", "达到", "以上"};
    for (const auto& [k, v] : intro) {
      bool keyed = k == "积分" || k == "权限";
      int64_t points = NumberBefore(v, "积分", keyed ? std::vector<std::string_view>{} : point_words);
      if (points > 0) {
        page_.points = points;
        break;
      }
    }
  }

  // A row's name is kept only if it is an identifier not seen before in `kept`; otherwise a note says why.
  template <class T>
  bool Accept(const char* what, const std::string& name, const std::vector<T>& kept) {
    if (name.empty()) return false;
    if (!IsIdentifier(name)) {
      page_.notes.push_back(std::string(what) + " '" + CleanText(name, 80) + "' is not an identifier and was left out");
      return false;
    }
    if (std::any_of(kept.begin(), kept.end(), [&](const T& x) { return x.name == name; })) {
      page_.notes.push_back(std::string(what) + " '" + name + "' is listed twice; the first one is kept");
      return false;
    }
    return true;
  }

  core::Status ReadParams(const RawTable& t, const Columns& c) {
    if (c.name < 0) {
      return Fail(ErrorKind::kInvalidInput, "doc page " + page_.url + ": the input table has no 名称 column (headers: " +
                                                Headers(t) + ")");
    }
    std::vector<std::string> either;  // params documented as "one of" (二选一)
    for (const auto& row : t.rows) {
      std::string name = Cell(row, c.name);
      if (!Accept("input param", name, page_.params)) continue;
      RequestParam p;
      p.name = name;
      p.type = c.type >= 0 && !Cell(row, c.type).empty() ? CleanText(Cell(row, c.type), 32) : "str";
      p.description = CleanText(Cell(row, c.description));
      p.required = c.required >= 0 && IsYes(Cell(row, c.required));
      // "二选一" / "至少一个" mark alternatives: none of them is required on its own.
      if (Contains(p.description, "二选一") || Contains(p.description, "至少一个") || Contains(p.description, "任选")) {
        if (p.required) either.push_back(p.name);
        p.required = false;
      }
      page_.params.push_back(std::move(p));
    }
    if (!either.empty()) {
      page_.notes.push_back("params " + core::Join(either, ", ") +
                            " are marked required but documented as alternatives (二选一); none is required alone");
    }
    return core::Ok();
  }

  core::Status ReadFields(const RawTable& t, const Columns& c) {
    if (c.name < 0 || c.type < 0) {
      return Fail(ErrorKind::kInvalidInput, "doc page " + page_.url + ": the output table has no " +
                                                (c.name < 0 ? "名称" : "类型") + " column (headers: " + Headers(t) + ")");
    }
    for (const auto& row : t.rows) {
      std::string name = Cell(row, c.name);
      if (!Accept("output field", name, page_.fields)) continue;
      DocField f;
      f.name = name;
      f.vendor_type = CleanText(Cell(row, c.type), 32);
      f.description = CleanText(Cell(row, c.description));
      if (c.default_shown >= 0) f.default_shown = IsYes(Cell(row, c.default_shown));
      std::string note;
      f.type = InferFieldType(f.name, f.vendor_type, f.description, &note);
      if (!note.empty()) page_.notes.push_back(note);
      page_.fields.push_back(std::move(f));
    }
    return core::Ok();
  }

  GumboDoc doc_;
  DocPage page_;
};

void CollectLinks(const GumboNode* n, int64_t parent, std::vector<DocLink>& out) {
  if (n->type != GUMBO_NODE_ELEMENT) return;
  if (n->v.element.tag == GUMBO_TAG_LI) {
    const GumboNode* anchor = nullptr;
    bool nested = false;
    ForEachChild(n, [&](const GumboNode* c) {
      if (!anchor && IsElement(c, GUMBO_TAG_A)) anchor = c;
      if (IsElement(c, GUMBO_TAG_UL) || IsElement(c, GUMBO_TAG_OL)) nested = true;
    });
    std::optional<int64_t> id = anchor ? DocIdOf(Attr(anchor, "href")) : std::nullopt;
    if (id) {
      DocLink link;
      link.doc_id = *id;
      link.label = CleanText(TextOf(anchor), 200);
      link.parent = parent;
      link.has_children = nested || HasClass(n, "jstree-closed") || HasClass(n, "jstree-open");
      out.push_back(std::move(link));
      parent = *id;
    }
  }
  ForEachChild(n, [&](const GumboNode* c) { CollectLinks(c, parent, out); });
}

}  // namespace

std::optional<int64_t> DocIdOf(std::string_view url) {
  size_t at = url.find("doc_id=");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = url.substr(at + 7);
  size_t n = 0;
  while (n < rest.size() && n < 12 && std::isdigit(static_cast<unsigned char>(rest[n]))) ++n;
  if (n == 0) return std::nullopt;
  return std::stoll(std::string(rest.substr(0, n)));
}

core::LogicalType InferFieldType(std::string_view name, std::string_view vendor_type, std::string_view description,
                                 std::string* note) {
  std::string t = core::ToLower(core::Trim(vendor_type));
  std::string n(name);
  bool date_name = n == "date" || n.ends_with("_date");
  bool time_name = n == "time" || n == "datetime" || n.ends_with("_time");
  bool date_text = Contains(description, "YYYYMMDD") || Contains(description, "yyyymmdd") ||
                   Contains(description, "YYYY-MM-DD");
  bool time_text = Contains(description, "时间") || Contains(description, "HH:MM") || Contains(description, "hh:mm");
  auto say = [&](std::string s) {
    if (note) *note = std::move(s);
  };
  if (t == "str" || t == "string" || t == "date" || t == "text" || t == "varchar") {
    if (t == "date" || date_name || (date_text && !time_text)) return core::LogicalType::Date();
    if (time_name) return core::LogicalType::Timestamp();
    return core::LogicalType::String();
  }
  if (t == "datetime" || t == "timestamp" || t == "time") {
    return date_name && !time_text ? core::LogicalType::Date() : core::LogicalType::Timestamp();
  }
  if (t == "int" || t == "integer" || t == "int64" || t == "long" || t == "bigint" || t == "int32") {
    return core::LogicalType::Int64();
  }
  if (t == "float" || t == "double" || t == "number" || t == "numeric" || t == "decimal" || t == "float64") {
    return core::LogicalType::Float64();
  }
  if (t == "bool" || t == "boolean") return core::LogicalType::Bool();
  if (date_name) {
    say("field '" + n + "' has type '" + std::string(vendor_type) + "'; read as a date from its name");
    return core::LogicalType::Date();
  }
  say("field '" + n + "' has type '" + (t.empty() ? std::string("(empty)") : CleanText(vendor_type, 32)) +
      "'; stored as string");
  return core::LogicalType::String();
}

void ProposeKeys(const std::vector<DocField>& fields, std::vector<std::string>& primary_key, std::string& date_key) {
  auto has = [&](std::string_view n) {
    return std::any_of(fields.begin(), fields.end(), [&](const DocField& f) { return f.name == n; });
  };
  static constexpr std::array<std::string_view, 7> kCodes = {"ts_code", "con_code", "index_code", "fund_code",
                                                             "code", "symbol", "exchange"};
  static constexpr std::array<std::string_view, 8> kDates = {"trade_date", "cal_date", "trade_time", "end_date",
                                                             "ann_date", "date", "datetime", "month"};
  primary_key.clear();
  date_key.clear();
  for (auto d : kDates) {
    if (has(d)) {
      date_key = std::string(d);
      break;
    }
  }
  for (auto c : kCodes) {
    // A calendar's exchange is part of its key; elsewhere it only describes the row.
    if (c == "exchange" && date_key.empty()) break;
    if (has(c)) {
      primary_key.emplace_back(c);
      break;
    }
  }
  if (!date_key.empty()) primary_key.push_back(date_key);
}

core::Result<DocPage> ParseDocPage(std::string_view html, std::string_view url) {
  return PageParser(html, url).Run();
}

std::vector<DocLink> ParseSidebar(std::string_view html) {
  GumboDoc doc(html);
  const GumboNode* tree = Find(doc.out->root, [](const GumboNode* n) { return Attr(n, "id") == "jstree"; });
  if (!tree) {
    tree = Find(doc.out->root, [](const GumboNode* n) { return IsElement(n, GUMBO_TAG_NAV) && HasClass(n, "sidebar"); });
  }
  std::vector<DocLink> out;
  if (tree) CollectLinks(tree, 0, out);
  return out;
}

Dataset ToDataset(const DocPage& page, const std::string& source, const std::string& name) {
  Dataset d;
  d.name = name;
  d.source = source;
  d.api = page.api;
  d.title = page.title;
  d.description = page.description;
  d.doc_url = page.url;
  d.params = page.params;
  std::vector<core::Field> fields;
  bool all_shown = true;
  for (const auto& f : page.fields) {
    fields.push_back({f.name, f.type, true, f.description});
    if (f.default_shown && *f.default_shown) d.default_fields.push_back(f.name);
    all_shown = all_shown && f.default_shown.value_or(true);
  }
  if (all_shown) d.default_fields.clear();
  d.schema = std::make_shared<const core::Schema>(std::move(fields));
  d.primary_key = page.primary_key;
  d.date_key = page.date_key;
  d.row_cap = page.row_cap;
  // An API that documents offset and limit pages by them (stock_basic); the others are split by date.
  auto has_param = [&](std::string_view n) {
    return std::any_of(page.params.begin(), page.params.end(), [&](const RequestParam& p) { return p.name == n; });
  };
  if (has_param("offset") && has_param("limit")) d.paging = "offset";
  d.points = page.points;
  d.origin = DatasetOrigin::kImport;
  return d;
}

}  // namespace datasync::datasource::tushare
