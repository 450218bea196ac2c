// Excerpt: a short, safe piece of untrusted text (a vendor's body, a JSON value) for an error message.
// Every cut of text that may hold a secret goes through here: the text is redacted first and cut second,
// because a cut through a secret leaves a piece that Redact no longer recognises.
// Pure; thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace datasync::core {

// At most `max_bytes` of `s` for a message: registered secrets redacted (before the cut), cut on a UTF-8
// boundary, "…" appended when cut, control characters shown as spaces, invalid UTF-8 shown as U+FFFD.
std::string Excerpt(std::string_view s, size_t max_bytes = 80);

// The same for the end of `s`: at most its last `max_bytes`, "…" prepended when cut.
std::string ExcerptTail(std::string_view s, size_t max_bytes = 40);

}  // namespace datasync::core
