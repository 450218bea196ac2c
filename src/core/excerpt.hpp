// Excerpt: a short, safe piece of untrusted text (a vendor's body, a JSON value) for an error message.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace datasync::core {

// At most `max_bytes` of `s` for a message: cut on a UTF-8 boundary, "…" appended when cut, control
// characters shown as spaces, invalid UTF-8 shown as U+FFFD, registered secrets redacted.
std::string Excerpt(std::string_view s, size_t max_bytes = 80);

}  // namespace datasync::core
