// A stable hash of text (FNV-1a, 64 bit) for the NDL simulator's derived values: unlike std::hash, it is
// the same for every standard library, so a seed yields the same tickers' data and cursor ids everywhere.
#pragma once

#include <cstdint>
#include <string_view>

namespace datasync::vendorsim::ndl {

inline uint64_t HashText(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace datasync::vendorsim::ndl
