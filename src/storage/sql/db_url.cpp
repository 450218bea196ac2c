#include "storage/sql/db_url.hpp"

#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::storage::sql {

using core::ErrorKind;
using core::Fail;

std::string DbUrl::Param(std::string_view key) const {
  std::string value;
  for (const auto& [k, v] : params) {
    if (k == key) value = v;
  }
  return value;
}

std::string DbUrl::Display() const {
  std::string out = scheme + "://";
  if (!user.empty() || !password.empty()) {
    out += user;
    if (!password.empty()) out += ":***";
    out += "@";
  }
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port) out += ":" + std::to_string(port);
  if (!database.empty()) out += "/" + database;
  for (size_t i = 0; i < params.size(); ++i) {
    out += (i ? "&" : "?") + params[i].first + "=" +
           (core::IsPasswordKey(params[i].first) ? std::string("***") : params[i].second);
  }
  return out;
}

namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Splits and decodes a URL; messages name no setting (the caller adds it). With `resolve` off, ${ENV}
// references are checked for their syntax and kept as written. `fragment` receives the reference an
// unset variable was found in.
class UrlParser {
 public:
  UrlParser(std::span<const std::string_view> schemes, bool resolve, std::string* fragment)
      : schemes_(schemes), resolve_(resolve), fragment_(fragment) {}

  core::Result<DbUrl> Parse(std::string_view text) {
    std::string resolved;
    std::string_view s = core::Trim(text);
    if (core::IsSecretReference(s)) {
      auto v = Resolve(s);
      if (!v) return Fail(v.error());
      resolved = std::string(core::Trim(*v));
      s = resolved;
    }
    std::vector<std::string> allowed(schemes_.begin(), schemes_.end());
    auto scheme_end = s.find("://");
    if (scheme_end == std::string_view::npos) {
      return Fail(ErrorKind::kConfig,
                  "not a URL; expected " + allowed.front() + "://user:${PASSWORD_ENV}@host:port/database");
    }
    DbUrl url;
    url.scheme = core::ToLower(s.substr(0, scheme_end));
    bool known = false;
    for (auto sc : schemes_) known = known || url.scheme == sc;
    if (!known) {
      return Fail(ErrorKind::kConfig,
                  "scheme '" + url.scheme + "' is not supported here (allowed: " + core::Join(allowed, ", ") + ")");
    }
    std::string_view rest = s.substr(scheme_end + 3);
    std::string_view query;
    if (auto q = rest.find('?'); q != std::string_view::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    std::string_view path;
    if (auto slash = rest.find('/'); slash != std::string_view::npos) {
      path = rest.substr(slash + 1);
      rest = rest.substr(0, slash);
    }
    // The password may contain '@' when it comes from a reference: split at the last '@'.
    std::string_view authority = rest;
    if (auto at = rest.rfind('@'); at != std::string_view::npos) {
      std::string_view userinfo = rest.substr(0, at);
      authority = rest.substr(at + 1);
      std::string_view user = userinfo, password;
      if (auto colon = userinfo.find(':'); colon != std::string_view::npos) {
        user = userinfo.substr(0, colon);
        password = userinfo.substr(colon + 1);
      }
      auto u = Part(user, "user");
      if (!u) return Fail(u.error());
      url.user = *u;
      auto p = Part(password, "password");
      if (!p) return Fail(p.error());
      url.password = *p;
      if (resolve_) core::RegisterSecret(url.password);
    }
    std::string_view host = authority, port;
    if (authority.starts_with("[")) {
      auto close = authority.find(']');
      if (close == std::string_view::npos) {
        return Fail(ErrorKind::kConfig, "'[' without ']' around an IPv6 address");
      }
      host = authority.substr(1, close - 1);
      std::string_view after = authority.substr(close + 1);
      if (after.starts_with(":")) port = after.substr(1);
    } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    auto h = Part(host, "host");
    if (!h) return Fail(h.error());
    url.host = *h;
    if (url.host.empty()) return Fail(ErrorKind::kConfig, "the URL names no host");
    if (!port.empty()) {
      auto p = Part(port, "port");
      if (!p) return Fail(p.error());
      auto n = core::ParseInt64(*p);
      bool unresolved = !resolve_ && p->find("${") != std::string::npos;
      if (!unresolved && (!n || *n < 1 || *n > 65535)) {
        return Fail(ErrorKind::kConfig, "port '" + *p + "' is not a number from 1 to 65535");
      }
      url.port = n ? static_cast<int>(*n) : 0;
    }
    auto db = Part(path, "database");
    if (!db) return Fail(db.error());
    url.database = *db;
    for (const auto& item : core::Split(query, '&')) {
      if (item.empty()) continue;
      auto eq = item.find('=');
      auto k = Part(std::string_view(item).substr(0, eq), "query parameter");
      if (!k) return Fail(k.error());
      std::string value;
      if (eq != std::string::npos) {
        auto v = Part(std::string_view(item).substr(eq + 1), "query parameter");
        if (!v) return Fail(v.error());
        value = *v;
      }
      // ?password=... (libpq takes any keyword there) is as secret as the userinfo's password.
      if (resolve_ && core::IsPasswordKey(*k)) core::RegisterSecret(value);
      url.params.emplace_back(*k, std::move(value));
    }
    return url;
  }

 private:
  core::Result<std::string> Resolve(std::string_view ref) {
    if (!resolve_) return std::string(ref);
    auto v = core::ResolveSecret(ref, "");
    if (!v && fragment_) *fragment_ = std::string(ref);
    return v;
  }

  static core::Result<std::string> PercentDecode(std::string_view s, std::string_view what) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] != '%') {
        out.push_back(s[i]);
        continue;
      }
      int hi = i + 1 < s.size() ? HexValue(s[i + 1]) : -1;
      int lo = i + 2 < s.size() ? HexValue(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) {
        return Fail(ErrorKind::kConfig, "a '%' in the " + std::string(what) + " is not followed by two hex digits");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    }
    return out;
  }

  // Replaces every ${NAME} in s with the environment variable's value (registered for redaction).
  core::Result<std::string> ExpandReferences(std::string_view s, std::string_view what) {
    std::string out;
    size_t pos = 0;
    while (pos < s.size()) {
      size_t start = s.find("${", pos);
      if (start == std::string_view::npos) {
        out.append(s.substr(pos));
        break;
      }
      size_t end = s.find('}', start);
      if (end == std::string_view::npos) {
        return Fail(ErrorKind::kConfig, "'${' without a closing '}' in the " + std::string(what));
      }
      std::string_view ref = s.substr(start, end - start + 1);
      if (!core::IsSecretReference(ref)) {
        return Fail(ErrorKind::kConfig,
                    "'" + std::string(ref) + "' in the " + std::string(what) +
                        " is not a ${NAME} reference (letters, digits and _ only) nor a ${scheme:NAME} one");
      }
      auto value = Resolve(ref);
      if (!value) return Fail(value.error());
      out.append(s.substr(pos, start - pos));
      out.append(*value);
      pos = end + 1;
    }
    return out;
  }

  // A part of the URL: percent-decoded, then references resolved (so a resolved value is used as is).
  core::Result<std::string> Part(std::string_view raw, std::string_view what) {
    auto decoded = PercentDecode(raw, what);
    if (!decoded) return decoded;
    return ExpandReferences(*decoded, what);
  }

  std::span<const std::string_view> schemes_;
  bool resolve_;
  std::string* fragment_;
};

}  // namespace

core::Result<DbUrl> ParseDbUrl(std::string_view text, std::span<const std::string_view> schemes,
                               std::string_view where) {
  auto url = UrlParser(schemes, true, nullptr).Parse(text);
  if (!url) return Fail(ErrorKind::kConfig, std::string(where) + ": " + url.error().message());
  return url;
}

std::optional<DbUrl> CheckDbUrl(std::string_view text, std::span<const std::string_view> schemes, std::string_view key,
                                bool resolve, core::OptionProblems& problems) {
  if (!resolve && core::IsSecretReference(core::Trim(text))) return std::nullopt;
  std::string fragment;
  auto url = UrlParser(schemes, resolve, &fragment).Parse(text);
  if (url) return std::move(*url);
  problems.push_back({std::string(key), url.error().message(), std::move(fragment)});
  return std::nullopt;
}

}  // namespace datasync::storage::sql
