#include "alerting/message_template.hpp"

#include <cctype>

#include "core/strings.hpp"

namespace datasync::alerting {

struct MessageTemplate::Node {
  enum class Kind : uint8_t { kText, kValue, kRaw, kSection, kInverted } kind = Kind::kText;
  std::string text;  // literal text, or the name
  std::vector<Node> children;
};

TemplateValue TemplateValue::List(std::vector<TemplateData> items) {
  TemplateValue v;
  v.items = std::move(items);
  v.is_list = true;
  return v;
}

namespace {

using Node = MessageTemplate::Node;

int LineAt(std::string_view text, size_t pos) {
  int line = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) line += text[i] == '\n';
  return line;
}

bool ValidName(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  }
  return true;
}

const TemplateValue* Lookup(const std::vector<const TemplateData*>& scopes, const std::string& name) {
  for (auto it = scopes.rbegin(); it != scopes.rend(); ++it) {
    auto f = (*it)->find(name);
    if (f != (*it)->end()) return &f->second;
  }
  return nullptr;
}

bool Truthy(const TemplateValue* v) { return v && (v->is_list ? !v->items.empty() : !v->text.empty()); }

void Escape(std::string& out, std::string_view s, TemplateEscape escape) {
  if (escape == TemplateEscape::kNone) {
    out += s;
    return;
  }
  std::string quoted;
  core::AppendJsonString(quoted, s);
  out.append(quoted, 1, quoted.size() - 2);
}

void RenderNodes(const std::vector<Node>& nodes, std::vector<const TemplateData*>& scopes, TemplateEscape escape,
                 std::string& out) {
  for (const auto& n : nodes) {
    switch (n.kind) {
      case Node::Kind::kText: out += n.text; break;
      case Node::Kind::kValue:
      case Node::Kind::kRaw: {
        const TemplateValue* v = Lookup(scopes, n.text);
        if (v && !v->is_list) {
          if (n.kind == Node::Kind::kRaw) out += v->text;
          else Escape(out, v->text, escape);
        }
        break;
      }
      case Node::Kind::kSection: {
        const TemplateValue* v = Lookup(scopes, n.text);
        if (!Truthy(v)) break;
        if (v->is_list) {
          for (const auto& item : v->items) {
            scopes.push_back(&item);
            RenderNodes(n.children, scopes, escape, out);
            scopes.pop_back();
          }
        } else {
          RenderNodes(n.children, scopes, escape, out);
        }
        break;
      }
      case Node::Kind::kInverted:
        if (!Truthy(Lookup(scopes, n.text))) RenderNodes(n.children, scopes, escape, out);
        break;
    }
  }
}

}  // namespace

core::Result<MessageTemplate> MessageTemplate::Parse(std::string_view text, TemplateEscape escape) {
  // A stack of open sections; the bottom is the template itself.
  std::vector<std::vector<Node>> stack(1);
  std::vector<std::pair<std::string, size_t>> open;  // section name, position
  size_t pos = 0;
  auto fail = [&](size_t at, const std::string& why) {
    return core::Fail(core::ErrorKind::kConfig, "line " + std::to_string(LineAt(text, at)) + ": " + why);
  };
  while (pos < text.size()) {
    size_t start = text.find("{{", pos);
    if (start == std::string_view::npos) {
      stack.back().push_back({Node::Kind::kText, std::string(text.substr(pos)), {}});
      break;
    }
    if (start > pos) stack.back().push_back({Node::Kind::kText, std::string(text.substr(pos, start - pos)), {}});
    bool triple = text.substr(start, 3) == "{{{";
    size_t close = text.find(triple ? "}}}" : "}}", start + (triple ? 3 : 2));
    if (close == std::string_view::npos) return fail(start, "unclosed tag (a '{{' without '}}')");
    std::string_view tag = text.substr(start + (triple ? 3 : 2), close - start - (triple ? 3 : 2));
    pos = close + (triple ? 3 : 2);
    tag = core::Trim(tag);
    if (triple) {
      if (!ValidName(tag)) return fail(start, "'{{{" + std::string(tag) + "}}}' does not name a value");
      stack.back().push_back({Node::Kind::kRaw, std::string(tag), {}});
      continue;
    }
    if (tag.empty()) return fail(start, "empty tag '{{}}'");
    char sigil = tag[0];
    std::string name(core::Trim(tag.substr(1)));
    switch (sigil) {
      case '!': continue;
      case '&':
        if (!ValidName(name)) return fail(start, "'{{&" + name + "}}' does not name a value");
        stack.back().push_back({Node::Kind::kRaw, name, {}});
        continue;
      case '#':
      case '^':
        if (!ValidName(name)) return fail(start, "section '" + std::string(tag) + "' does not name a value");
        stack.back().push_back({sigil == '#' ? Node::Kind::kSection : Node::Kind::kInverted, name, {}});
        stack.emplace_back();
        open.emplace_back(name, start);
        continue;
      case '/': {
        if (open.empty()) return fail(start, "'{{/" + name + "}}' closes no section");
        if (open.back().first != name) {
          return fail(start, "'{{/" + name + "}}' closes section '" + open.back().first + "' opened on line " +
                                 std::to_string(LineAt(text, open.back().second)));
        }
        std::vector<Node> children = std::move(stack.back());
        stack.pop_back();
        open.pop_back();
        stack.back().back().children = std::move(children);
        continue;
      }
      case '>':
      case '=': return fail(start, "partials and delimiter changes are not supported");
      default:
        if (!ValidName(tag)) {
          return fail(start, "'{{" + std::string(tag) + "}}' does not name a value (letters, digits, _ and -)");
        }
        stack.back().push_back({Node::Kind::kValue, std::string(tag), {}});
    }
  }
  if (!open.empty()) return fail(open.back().second, "section '" + open.back().first + "' is never closed");
  MessageTemplate t;
  t.nodes_ = std::make_shared<const std::vector<Node>>(std::move(stack.front()));
  t.escape_ = escape;
  return t;
}

std::string MessageTemplate::Render(const TemplateData& data) const {
  std::string out;
  if (!nodes_) return out;
  std::vector<const TemplateData*> scopes{&data};
  RenderNodes(*nodes_, scopes, escape_, out);
  return out;
}

}  // namespace datasync::alerting
