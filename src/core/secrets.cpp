#include "core/secrets.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <map>
#include <mutex>
#include <set>
#include <vector>

namespace datasync::core {

namespace {
std::mutex g_mu;
std::set<std::string, std::less<>>& Registered() {
  static std::set<std::string, std::less<>> s;
  return s;
}

struct Scheme {
  SecretResolver resolve;
  std::string missing_hint;
};
std::map<std::string, Scheme, std::less<>>& Schemes() {
  static std::map<std::string, Scheme, std::less<>> m;
  return m;
}

bool IsNameChar(char c, bool scheme_name) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (scheme_name && (c == '.' || c == '-'));
}

// "${scheme:NAME}" -> {scheme, NAME}; "${NAME}" -> {"", NAME}; nullopt when not a reference.
std::optional<std::pair<std::string_view, std::string_view>> SplitReference(std::string_view s) {
  if (s.size() < 4 || !s.starts_with("${") || !s.ends_with("}")) return std::nullopt;
  std::string_view inner = s.substr(2, s.size() - 3);
  std::string_view scheme;
  if (size_t colon = inner.find(':'); colon != std::string_view::npos) {
    scheme = inner.substr(0, colon);
    inner = inner.substr(colon + 1);
    if (scheme.empty() || !std::islower(static_cast<unsigned char>(scheme[0]))) return std::nullopt;
    for (char c : scheme) {
      if (!std::islower(static_cast<unsigned char>(c)) && !std::isdigit(static_cast<unsigned char>(c)) && c != '-') {
        return std::nullopt;
      }
    }
  }
  if (inner.empty()) return std::nullopt;
  for (char c : inner) {
    if (!IsNameChar(c, !scheme.empty())) return std::nullopt;
  }
  return std::pair{scheme, inner};
}

// The secrets test proves it can fail by running everything once with redaction off; only test builds
// (DATASYNC_TEST_HOOKS) let the environment switch it off.
bool RedactionOff() {
#ifdef DATASYNC_TEST_HOOKS
  static const bool off = [] {
    const char* v = std::getenv("DATASYNC_NO_REDACTION");
    return v != nullptr && std::string_view(v) == "1";
  }();
  return off;
#else
  return false;
#endif
}
}  // namespace

bool IsSecretReference(std::string_view s) {
  return SplitReference(s).has_value();
}

void RegisterSecretScheme(std::string scheme, SecretResolver resolver, std::string missing_hint) {
  std::lock_guard lock(g_mu);
  Schemes()[std::move(scheme)] = Scheme{std::move(resolver), std::move(missing_hint)};
}

Result<std::string> ResolveSecret(std::string_view ref, std::string_view where) {
  auto parts = SplitReference(ref);
  if (!parts) {
    RegisterSecret(ref);
    return std::string(ref);
  }
  auto at = [&](std::string message) { return where.empty() ? message : std::string(where) + ": " + message; };
  if (!parts->first.empty()) {
    Scheme scheme;
    {
      std::lock_guard lock(g_mu);
      auto it = Schemes().find(parts->first);
      if (it == Schemes().end()) {
        return Fail(ErrorKind::kConfig,
                    at(std::string(ref) + " uses the unknown scheme '" + std::string(parts->first) + "'"));
      }
      scheme = it->second;
    }
    auto value = scheme.resolve(parts->second);
    if (!value) return Fail(where.empty() ? value.error() : value.error().Context(std::string(where)));
    if (!*value) {
      return Fail(ErrorKind::kConfig, at("secret " + std::string(ref) + " is not there; " + scheme.missing_hint));
    }
    RegisterSecret(**value);
    return std::move(**value);
  }
  std::string name(parts->second);
  const char* v = std::getenv(name.c_str());
  if (v == nullptr || *v == '\0') {
    return Fail(ErrorKind::kConfig,
                at("environment variable " + name + " is not set (export " + name + "=... before running)"));
  }
  RegisterSecret(v);
  return std::string(v);
}

namespace {

// A secret that is a URL (a webhook with an access token, a database URL with a password) also leaks in
// pieces: a server echoes the path and query it got, an error quotes the password alone. Its sensitive parts
// are masked as well: the password, the path with its query, each query value, and path segments long enough
// to be a token (Slack and Feishu put theirs in the path). Short segments ("robot", "send") would mask common
// words everywhere, so they are not.
std::vector<std::string_view> UrlSecretParts(std::string_view url) {
  std::vector<std::string_view> parts;
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return parts;
  if (auto password = FindUrlPassword(url)) parts.push_back(url.substr(password->first, password->second));
  size_t path = url.find_first_of("/?#", scheme + 3);
  if (path == std::string_view::npos) return parts;
  std::string_view rest = url.substr(path);
  parts.push_back(rest);
  size_t query = rest.find('?');
  std::string_view segments = rest.substr(0, query);
  for (size_t pos = 0; pos < segments.size();) {
    size_t next = segments.find('/', pos);
    if (next == std::string_view::npos) next = segments.size();
    if (next - pos >= 16) parts.push_back(segments.substr(pos, next - pos));
    pos = next + 1;
  }
  if (query != std::string_view::npos) {
    std::string_view q = rest.substr(
        query + 1, rest.find('#') == std::string_view::npos ? std::string_view::npos : rest.find('#') - query - 1);
    for (size_t pos = 0; pos < q.size();) {
      size_t next = q.find('&', pos);
      if (next == std::string_view::npos) next = q.size();
      std::string_view pair = q.substr(pos, next - pos);
      if (size_t eq = pair.find('='); eq != std::string_view::npos) parts.push_back(pair.substr(eq + 1));
      pos = next + 1;
    }
  }
  return parts;
}

}  // namespace

void RegisterSecret(std::string_view value) {
  if (value.size() < 4) return;
  std::lock_guard lock(g_mu);
  Registered().emplace(value);
  for (std::string_view part : UrlSecretParts(value)) {
    if (part.size() >= 4) Registered().emplace(part);
  }
}

std::string Redact(std::string_view s) {
  std::string out(s);
  if (RedactionOff()) return out;
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
  auto parts = SplitReference(configured);
  if ((parts && parts->first.empty()) || RedactionOff()) return std::string(configured);
  return "***";
}

std::optional<std::pair<size_t, size_t>> FindUrlPassword(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  size_t start = scheme + 3;
  size_t end = url.find_first_of("/?#", start);
  if (end == std::string_view::npos) end = url.size();
  // The password may hold '@' (from a reference): the userinfo ends at the last '@' of the authority.
  size_t at = url.substr(start, end - start).rfind('@');
  if (at == std::string_view::npos) return std::nullopt;
  at += start;
  size_t colon = url.substr(start, at - start).find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  colon += start;
  return std::pair{colon + 1, at - colon - 1};
}

bool IsPasswordKey(std::string_view key) {
  std::string lower;
  lower.reserve(key.size());
  for (char c : key) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower.find("password") != std::string::npos || lower.find("passwd") != std::string::npos || lower == "pwd";
}

namespace {

bool IsKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

// Where a value starting at `start` ends: at its closing quote for a value in single quotes (libpq's quoting,
// with backslash escapes), else at white space, or in a URL's query also at '&' or '#' (a password there has
// them percent-encoded). Elsewhere ';' and ',' do not end it: a password may hold them, and masking a little
// too much ("PWD=***" swallowing ";Server=db") is better than showing the rest of a password.
size_t ValueEnd(std::string_view text, size_t start, bool in_query) {
  if (start < text.size() && text[start] == '\'') {
    for (size_t i = start + 1; i < text.size(); ++i) {
      if (text[i] == '\\') {
        ++i;
      } else if (text[i] == '\'') {
        return i + 1;
      }
    }
    return text.size();
  }
  size_t end = text.find_first_of(in_query ? "&# \t\r\n" : " \t\r\n", start);
  return end == std::string_view::npos ? text.size() : end;
}

}  // namespace

std::vector<std::pair<size_t, size_t>> FindPasswords(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> found;
  size_t done = 0;  // nothing before it is looked at again
  // A URL's userinfo password (the text may be one URL, or a setting that holds one).
  if (auto password = FindUrlPassword(text)) {
    found.push_back(*password);
    done = password->first + password->second;
  }
  // key=value settings: the query of a URL, a DSN, a connection string.
  size_t query = text.find("://") == std::string_view::npos ? std::string_view::npos : text.find('?', done);
  for (size_t eq = text.find('=', done); eq != std::string_view::npos; eq = text.find('=', std::max(eq + 1, done))) {
    size_t key_end = eq;
    while (key_end > done && text[key_end - 1] == ' ') --key_end;  // libpq allows "password = x"
    size_t key_start = key_end;
    while (key_start > done && IsKeyChar(text[key_start - 1])) --key_start;
    if (key_start == key_end || !IsPasswordKey(text.substr(key_start, key_end - key_start))) continue;
    size_t start = eq + 1;
    while (start < text.size() && text[start] == ' ') ++start;
    size_t end = ValueEnd(text, start, query != std::string_view::npos && eq > query);
    done = end;
    if (end - start >= 2 && text[start] == '\'' && text[end - 1] == '\'') {
      ++start;
      --end;
    }
    if (end > start) found.emplace_back(start, end - start);
  }
  return found;
}

std::string MaskPasswords(std::string_view text) {
  std::string out;
  size_t done = 0;
  for (auto [start, length] : FindPasswords(text)) {
    out.append(text.substr(done, start - done));
    out.append(DisplaySecret(text.substr(start, length)));
    done = start + length;
  }
  out.append(text.substr(done));
  return out;
}

}  // namespace datasync::core
