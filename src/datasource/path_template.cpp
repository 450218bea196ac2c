#include "datasource/path_template.hpp"

#include "net/url_encode.hpp"

namespace datasync::datasource {

core::Result<std::string> FillPathTemplate(std::string_view tpl, const Params& params, std::vector<std::string>* used) {
  std::string path;
  path.reserve(tpl.size() + 32);
  for (size_t i = 0; i < tpl.size();) {
    const size_t close = tpl[i] == '{' ? tpl.find('}', i) : std::string_view::npos;
    if (close == std::string_view::npos) {
      path += tpl[i++];
      continue;
    }
    const std::string_view name = tpl.substr(i + 1, close - i - 1);
    const std::string* value = nullptr;
    for (const auto& [k, v] : params) {
      if (k == name) {
        value = &v;
        break;
      }
    }
    if (value == nullptr) {
      return core::Fail(core::ErrorKind::kInvalidInput,
                        "the path " + std::string(tpl) + " needs the param '" + std::string(name) +
                            "', which the request does not have: give it in the plan's params");
    }
    path += net::PercentEncode(*value);
    if (used) used->emplace_back(name);
    i = close + 1;
  }
  return path;
}

std::vector<std::string> PathPlaceholders(std::string_view tpl, std::string* problem) {
  std::vector<std::string> names;
  for (size_t i = 0; i < tpl.size(); ++i) {
    if (tpl[i] != '{') continue;
    const size_t close = tpl.find('}', i);
    if (close == std::string_view::npos) {
      if (problem) *problem = "a '{' at character " + std::to_string(i + 1) + " has no closing '}'";
      break;
    }
    names.emplace_back(tpl.substr(i + 1, close - i - 1));
    i = close;
  }
  return names;
}

}  // namespace datasync::datasource
