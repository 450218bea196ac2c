// JsonText: the one way datasync turns an nlohmann::json (or ordered_json) value into text. nlohmann's plain
// dump() throws type_error 316 on a string that is not valid UTF-8, and such strings reach JSON from places
// no check can cover (a vendor's bytes, a path on disk, an old spec): one bad byte would abort a command or
// kill `serve`. Here invalid bytes become U+FFFD instead; config text is validated where it is read
// (ConfigParser), so what the user wrote is refused with its position rather than repaired silently.
// Header-only and free of includes: it works on whichever json type the caller already has.
#pragma once

#include <string>

namespace datasync::core {

// `indent` as dump(): -1 one line, n >= 0 pretty with n spaces.
template <class Json>
std::string JsonText(const Json& value, int indent = -1) {
  return value.dump(indent, ' ', false, Json::error_handler_t::replace);
}

}  // namespace datasync::core
