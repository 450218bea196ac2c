#include "app/config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <tuple>

#include "app/config_parser.hpp"
#include "app/yaml_json.hpp"
#include "core/strings.hpp"
#include "core/utf8.hpp"

namespace datasync::app {

namespace {

constexpr int kSupportedVersion = 1;

// The sections that hold named objects, in the order they are read (each reads the ones before it).
constexpr std::array<std::string_view, 5> kObjectSections = {"sources", "datasets", "storages", "templates", "plans"};

}  // namespace

bool Config::MadeInApp(std::string_view section, std::string_view name) const {
  return app_made.count(std::string(section) + "." + std::string(name)) > 0;
}

YAML::Node ConfigParser::LoadAppDocuments(const std::string& file_text) {
  if (app_documents_.empty()) return {};
  YAML::Emitter out;
  out << YAML::BeginMap;
  for (auto section : kObjectSections) {
    bool open = false;
    for (const auto& d : app_documents_) {
      if (d.section != section) continue;
      nlohmann::json body = nlohmann::json::parse(d.body_json, nullptr, false);
      if (!open) {
        out << YAML::Key << std::string(section) << YAML::Value << YAML::BeginMap;
        open = true;
      }
      out << YAML::Key << YAML::DoubleQuoted << d.name << YAML::Value;
      EmitJson(out, body.is_discarded() ? nlohmann::json("(unreadable stored body)") : body, true);
    }
    if (open) out << YAML::EndMap;
  }
  out << YAML::EndMap;
  // The documents' lines come after the file's: the file's text with every character but the line breaks
  // blanked, so the marks (line, column and offset) of both index one text, file then documents.
  std::string blank = file_text;
  if (!blank.empty() && blank.back() != '\n') blank += '\n';
  for (char& c : blank) {
    if (c != '\n') c = ' ';
  }
  app_first_line_ = static_cast<int>(std::count(blank.begin(), blank.end(), '\n'));
  text_ = file_text + (file_text.empty() || file_text.back() == '\n' ? "" : "\n") + out.c_str();
  YAML::Node root = YAML::Load(blank + out.c_str());
  for (auto section : kObjectSections) {
    auto entries = root[std::string(section)];
    if (!entries || !entries.IsMap()) continue;
    for (auto it = entries.begin(); it != entries.end(); ++it) {
      app_regions_.emplace_back(it->first.Mark().line, std::string(section) + "." + it->first.Scalar());
    }
  }
  std::sort(app_regions_.begin(), app_regions_.end());
  return root;
}

void ConfigParser::ForEachAppEntry(const YAML::Node& file_root, const YAML::Node& app_root, const std::string& section,
                                   const std::function<void(const YAML::Node&, const YAML::Node&)>& fn) {
  if (!app_root) return;
  auto entries = app_root[section];
  if (!entries) return;
  auto in_file = file_root[section];
  ForEachEntry(entries, section, [&](const YAML::Node& key, const YAML::Node& value) {
    const std::string& name = key.Scalar();
    if (in_file && in_file.IsMap() && in_file[name]) {
      Warn(key.Mark(), section + "." + name +
                           ": datasync.yaml defines it too, and the file's definition is used; "
                           "delete the one made in the app");
      return;
    }
    config_.app_made.insert(section + "." + name);
    fn(key, value);
  });
}

std::optional<std::pair<std::string, int>> SplitHostPort(std::string_view listen) {
  auto colon = listen.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  auto port = core::ParseInt64(listen.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) return std::nullopt;
  std::string host(listen.substr(0, colon));
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  return std::make_pair(host, static_cast<int>(*port));
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  if (!host.starts_with("127.")) return false;
  // 127.a.b.c, each part a number: "127.example.com" is a name, not a loopback address.
  int parts = 0;
  for (size_t i = 0; i <= host.size(); ++i) {
    size_t end = host.find('.', i);
    if (end == std::string_view::npos) end = host.size();
    auto n = core::ParseInt64(host.substr(i, end - i));
    if (!n || *n < 0 || *n > 255) return false;
    ++parts;
    i = end;
  }
  return parts == 4;
}

bool IsTokenName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.' || c == '@';
    if (!ok) return false;
  }
  return true;
}

// The file must be UTF-8: every string of it is stored as JSON in the system database and shown as JSON.
// Invalid bytes are refused here, at their line and column, instead of failing later far from the cause.
bool ConfigParser::CheckEncoding(const std::string& text) {
  size_t bad = core::FirstInvalidUtf8(text);
  if (bad == std::string::npos) return true;
  size_t line_start = text.rfind('\n', bad == 0 ? 0 : bad - 1);
  line_start = line_start == std::string::npos || bad == 0 ? 0 : line_start + 1;
  YAML::Mark mark;
  mark.pos = static_cast<int>(bad);
  mark.line = static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
  // Columns count characters: the bytes before `bad` on its line are valid UTF-8.
  mark.column = 0;
  for (size_t i = line_start; i < bad; ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++mark.column;
  }
  Error(mark, fmt::format("invalid UTF-8 (byte 0x{:02X}): the file must be UTF-8 text; retype the character "
                          "there or re-save the file as UTF-8",
                          static_cast<unsigned char>(text[bad])));
  return false;
}

ConfigResult ConfigParser::Run(const std::string& text) {
  text_ = text;
  if (!CheckEncoding(text)) return Finish();
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& e) {
    Error(e.mark, "YAML syntax error: " + e.msg + " (check indentation and quoting)");
    return Finish();
  }
  if (!root || root.IsNull()) {
    Error(YAML::Mark(), "the file is empty; start from `datasync init` or docs/configuration.md");
    return Finish();
  }
  if (!root.IsMap()) {
    Error(root.Mark(),
          "the top level must be a mapping with keys version, project, sources, datasets, "
          "storages, templates, plans, serve, alerts");
    return Finish();
  }
  CheckKeys(root, "the top level",
            {"version", "project", "sources", "datasets", "storages", "templates", "plans", "serve", "alerts"});
  if (auto v = root["version"]) {
    auto n = Int(v, "version");
    if (n && *n != kSupportedVersion) {
      Error(v.Mark(), "version " + std::to_string(*n) + " is not supported (this datasync reads version 1)");
    }
  }
  if (auto p = root["project"]) ParseProject(p);
  YAML::Node app_root;
  try {
    app_root = LoadAppDocuments(text);
  } catch (const YAML::Exception& e) {
    Error(YAML::Mark(), std::string("the objects made in the app cannot be read: ") + e.what());
  }
  // Each section: the file's entries, then the app's.
  auto section = [&](const char* name, void (ConfigParser::*parse)(const YAML::Node&, const YAML::Node&)) {
    auto each = [&](const YAML::Node& k, const YAML::Node& v) { (this->*parse)(k, v); };
    if (auto s = root[name]) ForEachEntry(s, name, each);
    ForEachAppEntry(root, app_root, name, each);
  };
  section("sources", &ConfigParser::ParseSource);
  section("datasets", &ConfigParser::ParseDataset);
  CheckRelationships();
  for (auto& d : config_.datasets) {
    if (config_.MadeInApp("datasets", d.name)) d.origin = datasource::DatasetOrigin::kApi;
  }
  section("storages", &ConfigParser::ParseStorage);
  section("templates", &ConfigParser::ParseTemplate);
  section("plans", &ConfigParser::ParsePlan);
  DeriveDependencies();
  CheckDependencies();
  CheckSchedules();
  if (auto v = root["serve"]) ParseServe(v);
  if (auto v = root["alerts"]) ParseAlerts(v);
  return Finish();
}

ConfigResult ConfigParser::Finish() {
  ConfigResult r;
  r.project = config_.project;
  r.system_db_at = system_db_at_;
  // The file's issues in file order, then the app's objects' (in the order they were found).
  std::stable_sort(issues_.begin(), issues_.end(), [this](const ConfigIssue& a, const ConfigIssue& b) {
    bool a_app = a.where.file != file_, b_app = b.where.file != file_;
    return std::tie(a_app, a.where.line, a.where.column) < std::tie(b_app, b.where.line, b.where.column);
  });
  r.issues = std::move(issues_);
  bool has_error = std::any_of(r.issues.begin(), r.issues.end(), [](const auto& i) { return !i.warning; });
  if (!has_error) r.config = std::move(config_);
  return r;
}

namespace {

template <class T>
const T* FindByName(const std::vector<T>& items, std::string_view name) {
  for (const auto& i : items) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

}  // namespace

std::string FormatIssue(const ConfigIssue& issue) {
  std::string s = issue.where.file;
  if (issue.where.line > 0) s += ":" + std::to_string(issue.where.line) + ":" + std::to_string(issue.where.column);
  s += ": ";
  if (issue.warning) s += "warning: ";
  return s + issue.message;
}

bool IsValidObjectName(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  auto c0 = static_cast<unsigned char>(name[0]);
  if (!(std::isalpha(c0) || c0 == '_')) return false;
  for (char ch : name) {
    auto c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || c == '_' || c == '.' || c == '-')) return false;
  }
  return true;
}

const datasource::DataSource* Config::FindSource(std::string_view n) const {
  return FindByName(sources, n);
}
const datasource::Dataset* Config::FindDataset(std::string_view n) const {
  return FindByName(datasets, n);
}
const storage::Storage* Config::FindStorage(std::string_view n) const {
  return FindByName(storages, n);
}
const sync::SyncPlan* Config::FindPlan(std::string_view n) const {
  return FindByName(plans, n);
}
const generation::Template* Config::FindTemplate(std::string_view n) const {
  return FindByName(templates, n);
}

ConfigResult ConfigLoader::LoadFile(const std::filesystem::path& path) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ConfigResult r;
    ConfigIssue issue;
    issue.where.file = path.string();
    issue.message = "cannot read the file (does it exist? run `datasync init DIR` to create a project)";
    r.issues.push_back(std::move(issue));
    return r;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return LoadString(ss.str(), path.filename().string(), path.parent_path());
}

ConfigResult ConfigLoader::LoadString(const std::string& text, const std::string& file_label,
                                      const std::filesystem::path& project_dir) const {
  ConfigParser parser(file_label, project_dir, providers_, sinks_, imported_, options_, app_documents_);
  return parser.Run(text);
}

}  // namespace datasync::app
