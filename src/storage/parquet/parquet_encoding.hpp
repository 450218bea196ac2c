// Parquet's value encodings that the writer and the decoder need
// (https://parquet.apache.org/docs/file-format/data-pages/encodings/): the RLE / bit-packing hybrid (definition
// levels and dictionary indices), and the little-endian bit-packing underneath it, both ways. Pure functions
// on a caller's buffers; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace datasync::storage::parquet {

// Bits needed for values 0..max_value (at least 1: some readers reject a zero bit width).
int BitWidth(uint64_t max_value);

// The hybrid encoding of n values of bit_width bits (no length prefix): runs of 8 or more equal values
// become RLE runs, everything else bit-packed runs of groups of 8 (the last group padded with zeros).
void AppendRleHybrid(const uint32_t* values, size_t n, int bit_width, std::string& out);
void AppendRleHybrid(const uint8_t* values, size_t n, int bit_width, std::string& out);

// Definition levels of a flat OPTIONAL column (1 = value present, 0 = NULL) as a data page v1 stores
// them: a 4-byte little-endian length, then the hybrid encoding with bit width 1.
void AppendDefinitionLevels(const uint8_t* levels, size_t n, std::string& out);

// PLAIN booleans: one bit per value, least significant bit first.
void AppendPackedBools(const uint8_t* values, size_t n, std::string& out);

// Decodes `count` values of bit_width bits (0 to 32) from the hybrid encoding in `data` (no length prefix)
// into `out` (replacing what it held). False when the data ends before `count` values, or holds an RLE
// value wider than bit_width: never reads outside `data`. Values a bit-packed run pads beyond `count` are
// ignored.
bool DecodeRleHybrid(std::string_view data, int bit_width, size_t count, std::vector<uint32_t>& out);

}  // namespace datasync::storage::parquet
