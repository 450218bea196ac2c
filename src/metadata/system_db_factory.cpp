#include "metadata/system_db_factory.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "core/strings.hpp"

namespace datasync::metadata {

namespace {

constexpr std::string_view kPlannedServerSchemes[] = {"postgres", "postgresql", "mysql", "mariadb"};

// RFC 3986 scheme: a letter, then letters, digits, '+', '-', '.'.
bool IsSchemeName(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
}

}  // namespace

bool IsPlannedServerScheme(std::string_view scheme) {
  return std::find(std::begin(kPlannedServerSchemes), std::end(kPlannedServerSchemes), scheme) !=
         std::end(kPlannedServerSchemes);
}

void SystemDbFactory::Register(SystemDbBackend backend) {
  for (auto& s : backend.schemes) s = core::ToLower(s);
  backends_.push_back(std::move(backend));
}

std::vector<std::string> SystemDbFactory::schemes() const {
  std::vector<std::string> out;
  for (const auto& b : backends_) out.insert(out.end(), b.schemes.begin(), b.schemes.end());
  return out;
}

const SystemDbBackend* SystemDbFactory::Find(std::string_view scheme) const {
  for (const auto& b : backends_) {
    if (std::find(b.schemes.begin(), b.schemes.end(), scheme) != b.schemes.end()) return &b;
  }
  return nullptr;
}

std::string SystemDbFactory::Supported() const {
  std::vector<std::string> forms;
  for (const auto& b : backends_) {
    if (b.default_for_paths) forms.push_back("a file path");
    for (const auto& s : b.schemes) forms.push_back(s + (b.default_for_paths ? ":PATH" : "://..."));
  }
  return core::Join(forms, ", ");
}

core::Result<SystemDbFactory::Resolved> SystemDbFactory::Resolve(std::string_view location,
                                                                 const std::string& setting) const {
  std::string_view value = core::Trim(location);
  const SystemDbBackend* path_backend = nullptr;
  for (const auto& b : backends_) {
    if (b.default_for_paths) path_backend = &b;
  }
  std::string example = path_backend != nullptr ? path_backend->example : std::string();
  if (value.empty()) {
    return core::Fail(core::ErrorKind::kConfig, setting + ": the location is empty; use " + Supported() +
                                                    (example.empty() ? "" : " (for example " + example + ")"));
  }

  // A scheme counts when it is registered or planned ("sqlite:x.db", "mysql:..."), or when "//" follows it
  // ("redis://..."): "notes:v2.db" stays a file name, as it always was.
  std::string_view rest = value;
  std::string scheme;
  if (auto colon = value.find(':'); colon != std::string_view::npos && IsSchemeName(value.substr(0, colon))) {
    std::string candidate = core::ToLower(value.substr(0, colon));
    std::string_view after = value.substr(colon + 1);
    if (Find(candidate) != nullptr || IsPlannedServerScheme(candidate) || after.starts_with("//")) {
      scheme = std::move(candidate);
      rest = after;
    }
  }

  const SystemDbBackend* backend = scheme.empty() ? path_backend : Find(scheme);
  if (backend == nullptr && scheme.empty()) {
    return core::Fail(
        core::ErrorKind::kConfig,
        setting + ": a plain path needs a file backend, and this build has none (supported: " + Supported() + ")");
  }
  if (backend == nullptr && IsPlannedServerScheme(scheme)) {
    return core::Fail(core::ErrorKind::kConfig,
                      setting + ": the '" + scheme +
                          "' system database is not available in this build (supported: " + Supported() +
                          "); server system databases (PostgreSQL, MySQL/MariaDB) come in a later version, "
                          "so use a file path" +
                          (example.empty() ? "" : " such as " + example));
  }
  if (backend == nullptr) {
    return core::Fail(core::ErrorKind::kConfig,
                      setting + ": unknown scheme '" + scheme + "' (allowed: " + Supported() + ")");
  }
  if (!scheme.empty() && backend->default_for_paths && rest.starts_with("//")) {
    rest.remove_prefix(2);  // sqlite://rel/x.db, sqlite:///abs/x.db
  }
  if (rest.empty()) {
    return core::Fail(core::ErrorKind::kConfig, setting + ": '" + scheme + ":' names no database; use " + Supported() +
                                                    (example.empty() ? "" : " (for example " + example + ")"));
  }
  return Resolved{backend, rest};
}

core::Status SystemDbFactory::Check(std::string_view location, const std::string& setting) const {
  auto resolved = Resolve(location, setting);
  if (!resolved) return core::Fail(resolved.error());
  return {};
}

core::Result<std::unique_ptr<SystemDb>> SystemDbFactory::Open(std::string_view location,
                                                              const SystemDbOpenContext& ctx) const {
  auto resolved = Resolve(location, ctx.setting);
  if (!resolved) return core::Fail(resolved.error());
  return resolved->backend->open(resolved->rest, ctx);
}

}  // namespace datasync::metadata
