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
    return Fail(ErrorKind::kConfig, std::string(where) + ": environment variable " + name +
                                        " is not set (export " + name + "=... before running)");
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

}  // namespace datasync::core
