#include "app/option_docs.hpp"

#include <vector>

#include "core/strings.hpp"

namespace datasync::app {

namespace {
std::string Cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}
}  // namespace

std::string OptionTypeText(const core::OptionSpec& spec) {
  if (spec.type == core::OptionType::kEnum) {
    std::vector<std::string> allowed(spec.allowed.begin(), spec.allowed.end());
    return "one of: " + core::Join(allowed, ", ");
  }
  if (spec.type == core::OptionType::kRecordList && spec.fields) {
    std::vector<std::string> keys;
    for (const auto& f : spec.fields()) keys.emplace_back(f.name);
    return "list of maps with keys: " + core::Join(keys, ", ");
  }
  return std::string(core::OptionTypeName(spec.type));
}

std::string OptionTableMarkdown(std::span<const core::OptionSpec> specs) {
  std::string out = "| key | type | default | required | unit | description |\n|---|---|---|---|---|---|\n";
  for (const auto& s : specs) {
    out += "| `" + Cell(s.name) + "` | " + Cell(OptionTypeText(s)) + " | " +
           (s.default_value.empty() ? std::string() : "`" + Cell(s.default_value) + "`") + " | " +
           (s.required ? "yes" : "no") + " | " + Cell(s.unit) + " | " + Cell(s.description) + " |\n";
  }
  // Each list of maps gets the table of its entries' keys below.
  for (const auto& s : specs) {
    if (s.type != core::OptionType::kRecordList || !s.fields) continue;
    out += "\nEach entry of `" + std::string(s.name) + "`:\n\n" + OptionTableMarkdown(s.fields());
  }
  return out;
}

}  // namespace datasync::app
