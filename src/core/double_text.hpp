// The shortest text of a double, as std::to_chars writes it, made fast for the values market data holds.
#pragma once

#include <string>

namespace datasync::core {

// Appends exactly what std::to_chars(v) writes: the shortest text that parses back to v, in fixed or
// scientific notation, whichever is shorter (fixed on a tie). Values that are a short decimal fraction
// (prices, percentages, volumes: at most 8 decimals, under 2^50 scaled) take a fast path of integer
// arithmetic (bench/core/double_text_bench); any other value, NaN and infinities go to std::to_chars.
void AppendShortestDouble(std::string& out, double v);

}  // namespace datasync::core
