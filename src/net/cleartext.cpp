#include "net/cleartext.hpp"

#include <mutex>
#include <set>

#include "core/log.hpp"
#include "core/strings.hpp"

namespace datasync::net {

std::string UrlHost(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view authority = url.substr(scheme + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  if (size_t at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    return core::ToLower(authority.substr(1, close == std::string_view::npos ? authority.npos : close - 1));
  }
  return core::ToLower(authority.substr(0, authority.find(':')));
}

bool IsLoopbackHost(std::string_view host) {
  std::string h = core::ToLower(host);
  if (h.ends_with(".")) h.pop_back();  // "localhost." is the same name
  if (h == "localhost" || h.ends_with(".localhost") || h == "::1") return true;
  std::string_view v4 = h;
  if (v4.starts_with("::ffff:")) v4.remove_prefix(7);
  // 127.0.0.0/8, written as a dotted quad.
  if (!v4.starts_with("127.")) return false;
  int dots = 0;
  for (char c : v4) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

bool IsCleartextHttp(std::string_view url) {
  return core::ToLower(url.substr(0, 7)) == "http://" && !IsLoopbackHost(UrlHost(url));
}

bool WarnOnce(std::string_view target, std::string_view warning) {
  static std::mutex mu;
  static std::set<std::string, std::less<>> warned;
  {
    std::lock_guard lock(mu);
    if (!warned.emplace(target).second) return false;
  }
  core::LogWarn(warning);
  return true;
}

}  // namespace datasync::net
