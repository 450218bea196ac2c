#include "app/problem_marks.hpp"

#include "core/strings.hpp"

namespace datasync::app {

namespace {

// `name[i]` steps into the i-th entry of a list (an option of maps such as a rest source's
// "error_rules[2].code_match").
YAML::Node Lookup(const YAML::Node& map, std::string_view key) {
  if (!map.IsDefined() || !map.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  if (YAML::Node value = map[std::string(key)]; value.IsDefined()) return value;
  auto dot = key.find('.');
  std::string_view head = key.substr(0, dot);
  if (auto open = head.find('['); open != std::string_view::npos && head.back() == ']') {
    YAML::Node list = map[std::string(head.substr(0, open))];
    auto index = core::ParseInt64(head.substr(open + 1, head.size() - open - 2));
    if (!list.IsDefined() || !list.IsSequence() || !index || *index < 0 || static_cast<size_t>(*index) >= list.size()) {
      return YAML::Node(YAML::NodeType::Undefined);
    }
    YAML::Node item = list[static_cast<size_t>(*index)];
    return dot == std::string_view::npos ? item : Lookup(item, key.substr(dot + 1));
  }
  if (dot == std::string_view::npos) return YAML::Node(YAML::NodeType::Undefined);
  return Lookup(map[std::string(key.substr(0, dot))], key.substr(dot + 1));
}

std::string_view LineOf(std::string_view text, int line) {
  size_t start = 0;
  for (int i = 0; i < line; ++i) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  size_t end = text.find('\n', start);
  return text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

}  // namespace

YAML::Mark ProblemMark(const YAML::Node& map, const core::OptionProblem& problem, const YAML::Mark& fallback,
                       std::string_view text) {
  YAML::Node value = Lookup(map, problem.key);
  if (!value.IsDefined()) return fallback;
  YAML::Mark mark = value.Mark();
  if (problem.fragment.empty() || mark.is_null() || mark.line < 0 || mark.column < 0) return mark;
  std::string_view line = LineOf(text, mark.line);
  if (static_cast<size_t>(mark.column) > line.size()) return mark;
  if (size_t at = line.find(problem.fragment, static_cast<size_t>(mark.column)); at != std::string_view::npos) {
    mark.pos += static_cast<int>(at) - mark.column;
    mark.column = static_cast<int>(at);
  }
  return mark;
}

}  // namespace datasync::app
