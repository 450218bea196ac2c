#include "generation/text_template.hpp"

#include <kainjow/mustache.hpp>

#include <algorithm>

#include "core/strings.hpp"

namespace datasync::generation {

namespace mustache = kainjow::mustache;

struct TextTemplate::Impl {
  explicit Impl(const std::string& text) : tmpl(text) {}
  mustache::mustache tmpl;
};

namespace {

// The names of {{name}}, {{{name}}}, {{&name}}, {{#name}}, {{^name}} tags (Parse refuses delimiter changes).
std::vector<std::string> ScanNames(std::string_view text) {
  std::vector<std::string> names;
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    size_t close = text.find("}}", pos + 2);
    if (close == std::string_view::npos) break;
    std::string_view tag = text.substr(pos + 2, close - pos - 2);
    pos = close + 2;
    if (!tag.empty() && tag.front() == '{') {
      tag.remove_prefix(1);
      if (pos < text.size() && text[pos] == '}') ++pos;
    } else if (!tag.empty() && (tag.front() == '&' || tag.front() == '#' || tag.front() == '^')) {
      tag.remove_prefix(1);
    } else if (!tag.empty() && (tag.front() == '!' || tag.front() == '/' || tag.front() == '>')) {
      continue;
    }
    std::string name(core::Trim(tag));
    if (!name.empty() && std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return names;
}

}  // namespace

std::string EscapeJson(std::string_view s) {
  std::string quoted;
  core::AppendJsonString(quoted, s);
  return quoted.substr(1, quoted.size() - 2);
}

std::string EscapeUrl(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

core::Result<TextTemplate> TextTemplate::Parse(std::string_view text, Escape escape) {
  // The engine would render a value named by a partial ({{>name}}) as a template of its own: values come
  // from vendors and local data, so they must never be interpreted.
  if (text.find("{{>") != std::string_view::npos || text.find("{{ >") != std::string_view::npos ||
      text.find("{{=") != std::string_view::npos) {
    return core::Fail(core::ErrorKind::kConfig, "template '" + std::string(text) +
                                                    "': partials ({{>name}}) and delimiter changes ({{=...=}}) are "
                                                    "not supported");
  }
  TextTemplate t;
  t.impl_ = std::make_shared<Impl>(std::string(text));
  if (!t.impl_->tmpl.is_valid()) {
    return core::Fail(core::ErrorKind::kConfig,
                      "template '" + std::string(text) + "': " + t.impl_->tmpl.error_message());
  }
  switch (escape) {
    case Escape::kNone: t.impl_->tmpl.set_custom_escape([](const std::string& s) { return s; }); break;
    case Escape::kJson: t.impl_->tmpl.set_custom_escape([](const std::string& s) { return EscapeJson(s); }); break;
    case Escape::kUrl: t.impl_->tmpl.set_custom_escape([](const std::string& s) { return EscapeUrl(s); }); break;
  }
  t.names_ = ScanNames(text);
  return t;
}

std::string TextTemplate::Render(const TemplateVars& vars) const {
  mustache::data data;
  for (const auto& [name, value] : vars) {
    // Mustache sections treat an empty string as true; an empty value should read as "not given".
    if (value.empty()) {
      data.set(name, false);
    } else {
      data.set(name, value);
    }
  }
  std::string out;
  impl_->tmpl.render(data, [&out](const std::string& s) { out += s; });
  return out;
}

}  // namespace datasync::generation
