// HTTP dates (RFC 9110 §5.6.7) for Last-Modified and If-Modified-Since. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace datasync::vendorsim::binance {

// Epoch seconds as IMF-fixdate: "Tue, 02 Jan 2024 08:00:00 GMT".
std::string FormatHttpDate(int64_t epoch_secs);

// Any of the three forms a recipient must accept (RFC 9110 §5.6.7): IMF-fixdate, the obsolete RFC 850 form
// ("Tuesday, 02-Jan-24 08:00:00 GMT") and asctime ("Tue Jan  2 08:00:00 2024"). The weekday is not checked
// against the date. Nothing = not a date (a condition with it is ignored).
std::optional<int64_t> ParseHttpDate(std::string_view text);

}  // namespace datasync::vendorsim::binance
