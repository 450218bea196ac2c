#include "datasource/tushare/doc_page.hpp"

#include <algorithm>
#include <array>
#include <memory>

#include "core/strings.hpp"
#include "datasource/html/blocks.hpp"
#include "datasource/html/document.hpp"
#include "datasource/html/table.hpp"
#include "datasource/schema_inference.hpp"
#include "datasource/untrusted_text.hpp"

namespace datasync::datasource::tushare {

using core::ErrorKind;
using core::Fail;
using html::Cell;

namespace {

constexpr size_t kMaxRows = 2000;  // a field table longer than this is not a doc page we understand

// --- text helpers --------------------------------------------------------------------------------

bool Contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
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

// --- the tables ----------------------------------------------------------------------------------

enum class Col : uint8_t { kName, kType, kRequired, kDefault, kDescription, kOther };

Col RoleOf(std::string_view header) {
  std::string h = core::ToLower(core::Trim(header));
  if (Contains(h, "默认")) return Col::kDefault;
  if (Contains(h, "必选") || Contains(h, "必填") || h == "required") return Col::kRequired;
  if (Contains(h, "类型") || h == "type") return Col::kType;
  if (Contains(h, "名称") || h == "字段" || h == "参数" || h == "字段名" || h == "参数名" || h == "name")
    return Col::kName;
  if (Contains(h, "描述") || Contains(h, "说明") || Contains(h, "含义") || Contains(h, "备注") || h == "description") {
    return Col::kDescription;
  }
  return Col::kOther;
}

struct Columns {
  int name = -1, type = -1, required = -1, default_shown = -1, description = -1;
};

Columns MapColumns(const html::Table& t) {
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

std::string Headers(const html::Table& t) {
  return t.header.empty() ? "none" : core::Join(t.header, " | ");
}

// --- the page ------------------------------------------------------------------------------------

class PageParser {
 public:
  PageParser(html::Document doc, std::string_view url) : doc_(std::move(doc)) { page_.url = std::string(url); }

  core::Result<DocPage> Run() {
    html::Node root = doc_.Root();
    auto is_h2 = [](const html::Node& n) { return n.Is("h2"); };
    // The content div is the stable part; fall back to the whole document for other shells.
    html::Node content =
        root.Find([&](const html::Node& n) { return n.HasClass("content") && static_cast<bool>(n.Find(is_h2)); });
    if (!content) content = root;
    html::Node h2 = content.Find(is_h2);
    if (!h2) return Missing("no title (an <h2> in the content)");
    page_.title = CleanText(h2.Text(), 200);

    std::vector<html::Block> blocks = html::Linearize(content);
    Heading pending = Heading::kNone;
    bool in_intro = true, have_input = false, have_output = false;
    int ignored_tables = 0;
    std::vector<std::pair<std::string, std::string>> intro;
    for (const html::Block& b : blocks) {
      if (b.table) {
        html::Table t = html::ReadTable(b.table, kMaxRows);
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
      page_.notes.push_back(std::to_string(ignored_tables) +
                            " further table(s) on the page are not fields and were ignored");
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
      if (n > 0 && n <= kMaxIdentifierBytes && IsIdentifier(v.substr(0, n))) {
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

  core::Status ReadParams(const html::Table& t, const Columns& c) {
    if (c.name < 0) {
      return Fail(ErrorKind::kInvalidInput,
                  "doc page " + page_.url + ": the input table has no 名称 column (headers: " + Headers(t) + ")");
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

  core::Status ReadFields(const html::Table& t, const Columns& c) {
    if (c.name < 0 || c.type < 0) {
      return Fail(ErrorKind::kInvalidInput, "doc page " + page_.url + ": the output table has no " +
                                                (c.name < 0 ? "名称" : "类型") + " column (headers: " + Headers(t) +
                                                ")");
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

  html::Document doc_;
  DocPage page_;
};

// The links of the tree's <li>s in document order, each with the doc_id of the nearest enclosing linked <li>
// (pre-order with an explicit stack).
std::vector<DocLink> CollectLinks(const html::Node& tree) {
  std::vector<DocLink> out;
  std::vector<std::pair<html::Node, int64_t>> stack{{tree, 0}};
  while (!stack.empty()) {
    auto [n, parent] = stack.back();
    stack.pop_back();
    if (!n.IsElement()) continue;
    if (n.Is("li")) {
      html::Node anchor;
      bool nested = false;
      for (const html::Node& c : n.Children()) {
        if (!anchor && c.Is("a")) anchor = c;
        if (c.Is("ul") || c.Is("ol")) nested = true;
      }
      std::optional<int64_t> id = anchor ? DocIdOf(anchor.Attr("href")) : std::nullopt;
      if (id) {
        DocLink link;
        link.doc_id = *id;
        link.label = CleanText(anchor.Text(), 200);
        link.parent = parent;
        link.has_children = nested || n.HasClass("jstree-closed") || n.HasClass("jstree-open");
        out.push_back(std::move(link));
        parent = *id;
      }
    }
    std::vector<html::Node> children = n.Children();
    for (auto c = children.rbegin(); c != children.rend(); ++c) stack.emplace_back(*c, parent);
  }
  return out;
}

// The page's HTML parsed within the toolkit's limits; the error names the page.
core::Result<html::Document> ParsePage(std::string_view text, std::string_view url) {
  auto doc = html::Document::Parse(text);
  if (!doc) return Fail(doc.error().kind(), "doc page " + std::string(url) + ": " + doc.error().message());
  return doc;
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
  return datasource::InferFieldType(name, vendor_type, description, note);
}

void ProposeKeys(const std::vector<DocField>& fields, std::vector<std::string>& primary_key, std::string& date_key) {
  static constexpr std::array<std::string_view, 7> kCodes = {"ts_code", "con_code", "index_code", "fund_code",
                                                             "code",    "symbol",   "exchange"};
  static constexpr std::array<std::string_view, 8> kDates = {"trade_date", "cal_date", "trade_time", "end_date",
                                                             "ann_date",   "date",     "datetime",   "month"};
  // A calendar's exchange is part of its key; elsewhere it only describes the row.
  static constexpr std::array<std::string_view, 1> kCalendarCodes = {"exchange"};
  std::vector<std::string> names;
  names.reserve(fields.size());
  for (const auto& f : fields) names.push_back(f.name);
  datasource::ProposeKeys(names, {kCodes, kDates, kCalendarCodes}, primary_key, date_key);
}

core::Result<DocPage> ParseDocPage(std::string_view html, std::string_view url) {
  auto doc = ParsePage(html, url);
  if (!doc) return Fail(doc.error());
  return PageParser(std::move(*doc), url).Run();
}

core::Result<std::vector<DocLink>> ParseSidebar(std::string_view page, std::string_view url) {
  auto doc = ParsePage(page, url);
  if (!doc) return Fail(doc.error());
  html::Node tree = doc->Root().Find([](const html::Node& n) { return n.Attr("id") == "jstree"; });
  if (!tree) tree = doc->Root().Find([](const html::Node& n) { return n.Is("nav") && n.HasClass("sidebar"); });
  if (!tree) return std::vector<DocLink>{};
  return CollectLinks(tree);
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
