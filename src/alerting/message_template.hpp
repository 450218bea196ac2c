// MessageTemplate: the small subset of mustache (https://mustache.github.io/mustache.5.html) that alert
// bodies and subjects need: {{name}} (escaped for where the text goes), {{{name}}} and {{&name}} (as is),
// {{#name}}...{{/name}} (a list: once per item, with the item's names in scope; text: once when not
// empty), {{^name}}...{{/name}} (when empty or missing), {{! comment}}. A missing name renders as nothing.
// Partials, lambdas, dotted names and delimiter changes are not supported (and are syntax errors).
//
// Escaping is per channel: kJson escapes the inside of a JSON string literal, so a webhook body template
// writes "text": "{{text}}" and no value can break the JSON around it; kNone for mail.
//
// Lifecycle: Parse once (validation reports syntax errors with their line), Render many times.
// Thread-safety: a parsed template is immutable; Render may run on several threads at once.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace datasync::alerting {

struct TemplateValue;
using TemplateData = std::map<std::string, TemplateValue>;

struct TemplateValue {
  std::string text;
  std::vector<TemplateData> items;  // a list when is_list
  bool is_list = false;

  TemplateValue() = default;
  TemplateValue(std::string t) : text(std::move(t)) {}  // NOLINT: implicit from text is the common case
  TemplateValue(const char* t) : text(t) {}               // NOLINT
  static TemplateValue List(std::vector<TemplateData> items);
};

enum class TemplateEscape : uint8_t { kNone, kJson };

class MessageTemplate {
 public:
  // kConfig "line L: ..." when `text` is not valid in this subset.
  static core::Result<MessageTemplate> Parse(std::string_view text, TemplateEscape escape);
  std::string Render(const TemplateData& data) const;

  struct Node;

 private:
  std::shared_ptr<const std::vector<Node>> nodes_;
  TemplateEscape escape_ = TemplateEscape::kNone;
};

}  // namespace datasync::alerting
