#include "storage/parquet/parquet_encoding.hpp"

#include <cstring>

namespace datasync::storage::parquet {

namespace {

void AppendVarint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// Packs `count` values (a multiple of 8, reading zeros past n) at bit_width bits each, LSB first.
template <class T>
void AppendBitPacked(const T* values, size_t n, size_t count, int bit_width, std::string& out) {
  size_t start = out.size();
  out.resize(start + count * static_cast<size_t>(bit_width) / 8);
  auto* dst = reinterpret_cast<unsigned char*>(out.data() + start);
  uint64_t acc = 0;
  int bits = 0;
  size_t o = 0;
  for (size_t i = 0; i < count; ++i) {
    uint64_t v = i < n ? static_cast<uint64_t>(values[i]) : 0;
    acc |= v << bits;
    bits += bit_width;
    while (bits >= 8) {
      dst[o++] = static_cast<unsigned char>(acc);
      acc >>= 8;
      bits -= 8;
    }
  }
}

template <class T>
size_t RunLength(const T* values, size_t n, size_t i) {
  size_t j = i + 1;
  while (j < n && values[j] == values[i]) ++j;
  return j - i;
}

template <class T>
void EncodeHybrid(const T* values, size_t n, int bit_width, std::string& out) {
  const size_t value_bytes = static_cast<size_t>(bit_width + 7) / 8;
  size_t i = 0;
  while (i < n) {
    size_t run = RunLength(values, n, i);
    if (run >= 8) {
      AppendVarint(static_cast<uint64_t>(run) << 1, out);
      uint64_t v = static_cast<uint64_t>(values[i]);
      for (size_t b = 0; b < value_bytes; ++b) out.push_back(static_cast<char>((v >> (8 * b)) & 0xFF));
      i += run;
      continue;
    }
    // Bit-pack whole groups of 8 until a group starts with a long run, which an RLE run encodes better.
    size_t end = i;
    while (end < n) {
      end += 8;
      if (end < n && RunLength(values, n, end) >= 8) break;
    }
    size_t count = end - i;  // a multiple of 8; may reach past n at the very end
    AppendVarint((static_cast<uint64_t>(count / 8) << 1) | 1, out);
    AppendBitPacked(values + i, n - i < count ? n - i : count, count, bit_width, out);
    i = end;
  }
}

}  // namespace

int BitWidth(uint64_t max_value) {
  int w = 1;
  while (w < 64 && (max_value >> w) != 0) ++w;
  return w;
}

void AppendRleHybrid(const uint32_t* values, size_t n, int bit_width, std::string& out) {
  EncodeHybrid(values, n, bit_width, out);
}

void AppendRleHybrid(const uint8_t* values, size_t n, int bit_width, std::string& out) {
  EncodeHybrid(values, n, bit_width, out);
}

void AppendDefinitionLevels(const uint8_t* levels, size_t n, std::string& out) {
  size_t at = out.size();
  out.append(4, '\0');
  EncodeHybrid(levels, n, 1, out);
  auto len = static_cast<uint32_t>(out.size() - at - 4);
  for (int b = 0; b < 4; ++b) out[at + static_cast<size_t>(b)] = static_cast<char>((len >> (8 * b)) & 0xFF);
}

void AppendPackedBools(const uint8_t* values, size_t n, std::string& out) {
  size_t start = out.size();
  out.resize(start + (n + 7) / 8, '\0');
  auto* dst = reinterpret_cast<unsigned char*>(out.data() + start);
  for (size_t i = 0; i < n; ++i) {
    if (values[i]) dst[i >> 3] |= static_cast<unsigned char>(1U << (i & 7));
  }
}

}  // namespace datasync::storage::parquet
