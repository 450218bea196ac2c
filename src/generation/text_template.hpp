// TextTemplate: a mustache template (https://mustache.github.io/mustache.5.html) rendered with named text
// values: {{name}} (escaped), {{{name}}} / {{&name}} (raw), {{#name}}…{{/name}} (when non-empty),
// {{^name}}…{{/name}} (when empty or missing), {{! comments}}. A missing name renders as nothing.
// Partials ({{>name}}) and delimiter changes are refused: the engine would interpret a value as a template.
// The engine is kainjow/mustache (Debian libkainjow-mustache-dev), kept inside the .cpp.
//
// Escaping depends on where the text goes: kNone for argument values (`format` sources), kJson for the
// inside of JSON string literals in request bodies, kUrl for query strings. Values never change the
// structure of the rendered text under kJson/kUrl, which is what makes vendor-controlled or user-supplied
// values safe to interpolate.
// Lifecycle: Parse once, Render many times. Not thread-safe (Render reuses the parsed tree's state);
// copies share the parsed template, so give each thread its own Parse.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace datasync::generation {

enum class Escape : uint8_t { kNone, kJson, kUrl };

using TemplateVars = std::vector<std::pair<std::string, std::string>>;

class TextTemplate {
 public:
  // kConfig with the engine's message ("Unclosed tag at 5") when `text` is not valid mustache.
  static core::Result<TextTemplate> Parse(std::string_view text, Escape escape);

  std::string Render(const TemplateVars& vars) const;
  // Names the template refers to ({{a}}, {{#b}}, {{^c}}), in order of first use, for validation.
  const std::vector<std::string>& names() const { return names_; }

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
  std::vector<std::string> names_;
};

// The escapes on their own (JSON: the inside of a string literal, no quotes; URL: RFC 3986 unreserved kept).
std::string EscapeJson(std::string_view s);
std::string EscapeUrl(std::string_view s);

}  // namespace datasync::generation
