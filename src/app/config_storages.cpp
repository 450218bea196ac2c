#include "app/config_parser.hpp"
#include "app/config_sections.hpp"

namespace datasync::app {

void ConfigParser::ParseStorage(const YAML::Node& key, const YAML::Node& n) {
  std::string name = key.Scalar();
  std::string path = "storages." + name;
  if (!RequireMap(n, path)) return;
  auto kind_node = n["kind"];
  if (!kind_node) {
    Error(key.Mark(), path + ": missing required key 'kind' (allowed: " + JoinNames(sinks_.Ids()) + ")");
    return;
  }
  auto kind = Str(kind_node, path + ".kind");
  if (!kind) return;
  const storage::SinkInfo* info = sinks_.Find(*kind);
  if (!info) {
    Error(kind_node.Mark(),
          path + ".kind: unknown kind " + Quote(*kind) + " (allowed: " + JoinNames(sinks_.Ids()) + ")");
    return;
  }
  storage::Storage st;
  st.name = name;
  st.kind = *kind;
  bool complete = true;
  st.options = ParseOptions(n, path, info->options, SectionKeyNames(metadata::ObjectKind::kStorage), complete);
  if (info->validate && complete) {
    auto problems = info->validate(st.options, CheckContext());
    complete = problems.empty();
    ReportProblems(n, key.Mark(), path, problems);
  }
  if (!complete) unchecked_storages_.insert(name);
  config_.storages.push_back(std::move(st));
}

}  // namespace datasync::app
