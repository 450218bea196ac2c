// Error and Result<T>: how every I/O boundary in datasync reports failure.
//
// An Error carries a kind (what the engine should decide about it), an operator-facing message that says
// what failed, where, and what to do, and optional hints set by the component that classified it
// (retry_after for rate limits, reset_at for exhausted quotas, a learned limit). Providers and sinks
// classify; only sync/ decides (ARCHITECTURE §5). Error is a value type; Result<T> is tl::expected until
// C++23's std::expected is available on our compiler.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace datasync::core {

enum class ErrorKind : uint8_t {
  kConfig,          // the user's configuration is wrong; fix the file
  kInvalidInput,    // bad argument or data for one request; drop that request
  kRateLimited,     // per-minute style limit: cool down and retry
  kQuotaExhausted,  // hourly/daily budget spent: defer until the vendor resets
  kPermission,      // no access or bad credentials: stop, do not burn quota
  kTransient,       // network, 5xx, timeout, server gone: retry with backoff
  kTruncated,       // response hit the row cap: split the request
  kPermanent,       // anything else that retrying will not fix
  kInternal,        // a bug in datasync
  kNotFound,        // the named object (plan, run, dataset, storage, template, source) does not exist
  kConflict,        // the object's state forbids the request (already final, executed elsewhere, nothing to do)
};

std::string_view ErrorKindName(ErrorKind kind);  // "RATE_LIMITED", ...
std::optional<ErrorKind> ParseErrorKind(std::string_view name);

// Which vendor window a learned limit belongs to.
enum class QuotaWindow : uint8_t { kMinute, kHour, kDay };
std::string_view QuotaWindowName(QuotaWindow w);  // "minute", "hour", "day"

struct LearnedLimit {
  QuotaWindow window = QuotaWindow::kMinute;
  int64_t limit = 0;  // calls per window, as the vendor stated it
};

class Error {
 public:
  Error(ErrorKind kind, std::string message) : kind_(kind), message_(std::move(message)) {}

  ErrorKind kind() const { return kind_; }
  const std::string& message() const { return message_; }

  // Vendor- or library-specific code ("40203", "SQLITE_BUSY"), empty when none.
  const std::string& code() const { return code_; }
  Error& WithCode(std::string code) {
    code_ = std::move(code);
    return *this;
  }

  std::optional<std::chrono::milliseconds> retry_after;
  std::optional<std::chrono::system_clock::time_point> reset_at;
  std::optional<LearnedLimit> learned_limit;

  // Prefixes the message with where it happened: "sink local_db: " + message.
  Error& Context(std::string_view where);

  // "RATE_LIMITED: message (code 40203)".
  std::string ToString() const;

 private:
  ErrorKind kind_;
  std::string message_;
  std::string code_;
};

template <class T>
using Result = tl::expected<T, Error>;
using Status = tl::expected<void, Error>;

inline tl::unexpected<Error> Fail(ErrorKind kind, std::string message) {
  return tl::unexpected<Error>(Error(kind, std::move(message)));
}
inline tl::unexpected<Error> Fail(Error error) { return tl::unexpected<Error>(std::move(error)); }
inline Status Ok() { return {}; }

}  // namespace datasync::core
