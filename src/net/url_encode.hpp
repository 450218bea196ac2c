// Percent-encoding of URL components (RFC 3986 §2.1): every byte but the unreserved characters
// (A-Z a-z 0-9 - . _ ~) becomes %XX. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace datasync::net {

std::string PercentEncode(std::string_view s);

}  // namespace datasync::net
