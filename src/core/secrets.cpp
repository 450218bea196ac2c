#include "core/secrets.hpp"

#include <cctype>
#include <cstdlib>
#include <mutex>
#include <set>

namespace datasync::core {

namespace {
std::mutex g_mu;
std::set<std::string, std::less<>>& Registered() {
  static std::set<std::string, std::less<>> s;
  return s;
}
}  // namespace

bool IsSecretReference(std::string_view s) {
  if (s.size() < 4 || !s.starts_with("${") || !s.ends_with("}")) return false;
  for (char c : s.substr(2, s.size() - 3)) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return true;
}

Result<std::string> ResolveSecret(std::string_view ref, std::string_view where) {
  if (!IsSecretReference(ref)) {
    RegisterSecret(ref);
    return std::string(ref);
  }
  std::string name(ref.substr(2, ref.size() - 3));
  const char* v = std::getenv(name.c_str());
  if (v == nullptr || *v == '\0') {
    std::string message = "environment variable " + name + " is not set (export " + name + "=... before running)";
    return Fail(ErrorKind::kConfig, where.empty() ? message : std::string(where) + ": " + message);
  }
  RegisterSecret(v);
  return std::string(v);
}

void RegisterSecret(std::string_view value) {
  if (value.size() < 4) return;
  std::lock_guard lock(g_mu);
  Registered().emplace(value);
}

std::string Redact(std::string_view s) {
  std::string out(s);
  std::lock_guard lock(g_mu);
  for (const auto& secret : Registered()) {
    size_t pos = 0;
    while ((pos = out.find(secret, pos)) != std::string::npos) {
      out.replace(pos, secret.size(), "***");
      pos += 3;
    }
  }
  return out;
}

std::string DisplaySecret(std::string_view configured) {
  if (configured.empty()) return "";
  if (IsSecretReference(configured)) return std::string(configured);
  return "***";
}

std::string MaskUrlPassword(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  size_t start = scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  if (end == std::string_view::npos) end = url.size();
  // The password may hold '@' (from a reference): the userinfo ends at the last '@' of the authority.
  size_t at = url.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  at += start;
  size_t colon = url.substr(start, at - start).find(':');
  if (colon == std::string_view::npos) return std::string(url);
  colon += start;
  std::string_view password = url.substr(colon + 1, at - colon - 1);
  return std::string(url.substr(0, colon + 1)) + DisplaySecret(password) + std::string(url.substr(at));
}

}  // namespace datasync::core
