// ConfigReader: reads datasync.yaml's nodes for the section parsers and collects what is wrong with them.
//
// It knows YAML, not datasync's sections: positions (file:line:column of a node), typed scalar readers
// (text, integer, bounded integer, boolean, one-or-many names), key checks against an allowed list, a
// plugin's options read through its option table, and the problem/warning collector that every section
// reports into. The section parsers (config_parser.hpp) derive from it.
//
// Lifecycle: one reader per load of one file; it is discarded with the load. Not thread-safe (a load runs
// on one thread; concurrent loads use their own readers).
#pragma once

#include <yaml-cpp/yaml.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.hpp"
#include "core/options.hpp"
#include "core/strings.hpp"

namespace datasync::app {

inline std::string Quote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

inline std::string JoinNames(const std::vector<std::string>& names) {
  return core::Join(names, ", ");
}

// The names of `items`, or "none" when there are none (for "(defined: ...)" in messages).
template <class T>
std::vector<std::string> Names(const std::vector<T>& items) {
  std::vector<std::string> names;
  for (const auto& i : items) names.push_back(i.name);
  if (names.empty()) names.push_back("none");
  return names;
}

class ConfigReader {
 public:
  ConfigReader(std::string file, LoadOptions options) : file_(std::move(file)), options_(options) {}

 protected:
  // --- issues -----------------------------------------------------------------------------------

  SourceLocation Loc(const YAML::Mark& m) const;
  void Error(const YAML::Mark& m, std::string msg) { issues_.push_back({Loc(m), std::move(msg), false}); }
  void Warn(const YAML::Mark& m, std::string msg) { issues_.push_back({Loc(m), std::move(msg), true}); }

  // A plugin's (or a channel's) own checks, each problem reported at the value of its key in mapping `n`
  // ("path.key: message"), or at `fallback` when the key is not written.
  void ReportProblems(const YAML::Node& n, const YAML::Mark& fallback, const std::string& path,
                      const core::OptionProblems& problems);
  core::OptionCheckContext CheckContext() const { return {.resolve_secrets = options_.resolve_secrets}; }

  // --- typed accessors --------------------------------------------------------------------------

  std::optional<std::string> Str(const YAML::Node& n, const std::string& path);
  std::optional<int64_t> Int(const YAML::Node& n, const std::string& path);
  std::optional<int64_t> PositiveInt(const YAML::Node& n, const std::string& path, int64_t max);
  std::optional<bool> Bool(const YAML::Node& n, const std::string& path);
  // A list of names, or a single name.
  std::optional<std::vector<std::string>> StrList(const YAML::Node& n, const std::string& path);
  static std::string Kind(const YAML::Node& n);
  bool RequireMap(const YAML::Node& n, const std::string& path);
  // Reports unknown and duplicate keys.
  void CheckKeys(const YAML::Node& map, const std::string& path, const std::vector<std::string>& allowed);
  void ForEachEntry(const YAML::Node& n, const std::string& section,
                    const std::function<void(const YAML::Node&, const YAML::Node&)>& fn);
  void TextKey(const YAML::Node& n, const std::string& path, const char* k, std::string& out);
  // A secret setting: a ${ENV} reference, or a literal that is warned about and masked from then on.
  std::optional<std::string> Secret(const YAML::Node& v, const std::string& path);
  // A kRecordList option's list of maps, each key and value checked against the spec's `fields` table and
  // reported at its own line and column; nullopt when any was refused.
  std::optional<core::OptionRecords> Records(const YAML::Node& v, const std::string& path,
                                             const core::OptionSpec& spec);
  // Validates a plugin's options (every key of `n` except `reserved`) against its option table. `complete`
  // is cleared when an option's value was refused or a required one is missing (unknown keys do not count):
  // the plugin's own checks need them all. A missing required option is reported at `missing_at` (the
  // mapping `n` when null). A kSecret written literally is warned about and registered for redaction.
  core::Options ParseOptions(const YAML::Node& n, const std::string& path, std::span<const core::OptionSpec> specs,
                             const std::vector<std::string>& reserved, bool& complete,
                             const YAML::Mark& missing_at = YAML::Mark::null_mark());

  std::string file_;
  std::string text_;  // the file (then the app's documents), for locating problems inside a value (ProblemMark)
  // The app's documents are parsed as lines after the file's (ConfigParser::LoadAppDocuments): a mark from
  // line app_first_line_ on is in the entry that starts at the last region's line at or before it.
  int app_first_line_ = -1;                               // -1: no app documents
  std::vector<std::pair<int, std::string>> app_regions_;  // (first line, "plans.daily"), ascending
  std::vector<ConfigIssue> issues_;
  LoadOptions options_;
};

}  // namespace datasync::app
