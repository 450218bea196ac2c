#include "datasource/rest/json_path.hpp"

#include <simdjson.h>

#include "core/strings.hpp"

namespace datasync::datasource::rest {

namespace {

tl::unexpected<core::Error> Bad(std::string_view text, std::string what) {
  return core::Fail(core::ErrorKind::kConfig, what + " in '" + std::string(text) +
                                                  "' (write keys joined by dots, e.g. data.items or errors[0].code)");
}

}  // namespace

core::Result<JsonPath> ParseJsonPath(std::string_view text) {
  JsonPath path;
  path.text = std::string(text);
  std::string_view rest = core::Trim(text);
  if (rest == "$" || rest.empty()) return path;
  if (rest.substr(0, 2) == "$.") rest.remove_prefix(2);
  if (rest.front() == '$') rest.remove_prefix(1);  // "$[0]"
  size_t i = 0;
  bool expect_key = true;  // at the start or after a dot
  while (i < rest.size()) {
    if (rest[i] == '[') {
      size_t close = rest.find(']', i);
      if (close == std::string_view::npos) return Bad(text, "unclosed '['");
      auto digits = rest.substr(i + 1, close - i - 1);
      auto n = core::ParseInt64(digits);
      if (!n || *n < 0 || digits.empty() || digits.front() == '+' || digits.front() == '-') {
        return Bad(text, "'[" + std::string(digits) + "]' is not an array index");
      }
      if (!path.steps.empty() && !expect_key && !path.steps.back().index) {
        path.steps.back().index = static_cast<size_t>(*n);  // "errors[0]": one step
      } else {
        path.steps.push_back({"", static_cast<size_t>(*n)});
      }
      i = close + 1;
      expect_key = false;
      if (i < rest.size() && rest[i] == '.') {
        ++i;
        expect_key = true;
        if (i == rest.size()) return Bad(text, "a trailing dot");
      } else if (i < rest.size() && rest[i] != '[') {
        return Bad(text, "'" + std::string(1, rest[i]) + "' after ']'");
      }
      continue;
    }
    if (!expect_key) return Bad(text, "a key without a dot before it");
    size_t end = rest.find_first_of(".[", i);
    if (end == std::string_view::npos) end = rest.size();
    if (end == i) return Bad(text, "an empty key");
    std::string key(rest.substr(i, end - i));
    if (key.find(']') != std::string::npos) return Bad(text, "a ']' without '['");
    path.steps.push_back({std::move(key), std::nullopt});
    i = end;
    expect_key = false;
    if (i < rest.size() && rest[i] == '.') {
      ++i;
      expect_key = true;
      if (i == rest.size()) return Bad(text, "a trailing dot");
    }
  }
  return path;
}

bool FindAt(const simdjson::dom::element& root, const JsonPath& path, simdjson::dom::element& out) {
  simdjson::dom::element at = root;
  for (const auto& step : path.steps) {
    if (!step.key.empty()) {
      simdjson::dom::object object;
      if (at.get_object().get(object) != simdjson::SUCCESS) return false;
      if (object[step.key].get(at) != simdjson::SUCCESS) return false;
    }
    if (step.index) {
      simdjson::dom::array array;
      if (at.get_array().get(array) != simdjson::SUCCESS) return false;
      if (array.at(*step.index).get(at) != simdjson::SUCCESS) return false;
    }
  }
  out = at;
  return true;
}

std::string ScalarText(const simdjson::dom::element& e) {
  switch (e.type()) {
    case simdjson::dom::element_type::STRING: return std::string(e.get_string().value_unsafe());
    case simdjson::dom::element_type::NULL_VALUE: return "";
    default: return simdjson::minify(e);
  }
}

}  // namespace datasync::datasource::rest
