// DbUrl: a database connection URL (postgres://, mysql://, clickhouse://) split into its parts.
//
// Form: scheme://[user[:password]@]host[:port][/database][?key=value&...], percent-encoding allowed in
// every part. Secrets stay out of configuration files through ${ENV} references, resolved at parse time:
// the whole URL may be one (url: ${PG_URL}) or any part may hold them
// (postgres://app:${PG_PASSWORD}@db.internal/prices). Resolved values and literal passwords are
// registered for redaction (core/secrets.hpp), so they never reach a log line or an error message.
// Plain data; ParseDbUrl is thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "core/options.hpp"

namespace datasync::storage::sql {

struct DbUrl {
  std::string scheme;  // lower case, as written
  std::string user;
  std::string password;  // resolved; never print it
  std::string host;
  int port = 0;          // 0: the scheme's default
  std::string database;  // the path without its leading '/'
  std::vector<std::pair<std::string, std::string>> params;

  // The value of a query parameter, or "" (the last one when repeated).
  std::string Param(std::string_view key) const;
  // scheme://user:***@host:port/database?... for messages.
  std::string Display() const;
};

// `schemes` lists the accepted schemes; `where` names the setting in messages ("storage 'pg': url").
core::Result<DbUrl> ParseDbUrl(std::string_view text, std::span<const std::string_view> schemes,
                               std::string_view where);

// ParseDbUrl for the sinks' option checks: a URL it refuses adds a problem of option `key` to `problems`
// and gives nullopt. With `resolve` the ${ENV} references are looked up, and an unset one is a problem whose
// fragment is that reference; without, they are checked for their syntax only and kept as written in the
// result, and a URL that is one whole reference is not checked at all (nullopt, no problem).
std::optional<DbUrl> CheckDbUrl(std::string_view text, std::span<const std::string_view> schemes, std::string_view key,
                                bool resolve, core::OptionProblems& problems);

}  // namespace datasync::storage::sql
