#include "storage/parquet/parquet_encoding.hpp"

#include <algorithm>
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

namespace {

bool ReadVarint(std::string_view data, size_t& pos, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && pos < data.size(); shift += 7) {
    auto b = static_cast<unsigned char>(data[pos++]);
    v |= static_cast<uint64_t>(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

}  // namespace

bool DecodeRleHybrid(std::string_view data, int bit_width, size_t count, std::vector<uint32_t>& out) {
  out.clear();
  if (bit_width < 0 || bit_width > 32) return false;
  const auto width = static_cast<uint64_t>(bit_width);
  const uint64_t mask = width == 32 ? 0xFFFFFFFFULL : (uint64_t{1} << width) - 1;
  const size_t value_bytes = (static_cast<size_t>(bit_width) + 7) / 8;
  size_t pos = 0;
  while (out.size() < count) {
    uint64_t header = 0;
    if (!ReadVarint(data, pos, header)) return false;
    const uint64_t left = count - out.size();
    if (header & 1) {
      // Bit-packed: (header >> 1) groups of 8 values, bit_width bytes per group.
      uint64_t groups = header >> 1;
      if (width > 0 && groups > (data.size() - pos) / width) return false;
      uint64_t bytes = groups * width;
      uint64_t values = groups > (left / 8) + 1 ? left : std::min(left, groups * 8);
      const auto* src = reinterpret_cast<const unsigned char*>(data.data() + pos);
      for (uint64_t i = 0; i < values; ++i) {
        uint64_t bit = i * width;
        uint64_t v = 0;
        // At most five bytes hold a value of up to 32 bits at any bit offset; never past the run's bytes.
        for (uint64_t b = bit / 8, got = 0; got < width + bit % 8 && b < bytes; ++b, got += 8) {
          v |= static_cast<uint64_t>(src[b]) << got;
        }
        out.push_back(static_cast<uint32_t>((v >> (bit % 8)) & mask));
      }
      pos += bytes;
    } else {
      // RLE: (header >> 1) copies of one value in value_bytes little-endian bytes.
      if (value_bytes > data.size() - pos) return false;
      uint64_t v = 0;
      for (size_t b = 0; b < value_bytes; ++b)
        v |= static_cast<uint64_t>(static_cast<unsigned char>(data[pos + b])) << (8 * b);
      pos += value_bytes;
      if (v > mask) return false;
      out.insert(out.end(), std::min(left, header >> 1), static_cast<uint32_t>(v));
    }
  }
  return true;
}

}  // namespace datasync::storage::parquet
