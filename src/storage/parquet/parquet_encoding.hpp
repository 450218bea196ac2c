// Parquet's value encodings that the writer needs (https://parquet.apache.org/docs/file-format/data-pages/encodings/):
// the RLE / bit-packing hybrid (definition levels and dictionary indices), and the little-endian
// bit-packing underneath it. Pure functions appending to a caller's buffer; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

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

}  // namespace datasync::storage::parquet
