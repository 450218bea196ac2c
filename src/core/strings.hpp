// Small string helpers shared by every module (no allocation unless the result is a new string).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace datasync::core {

std::string_view Trim(std::string_view s);
std::string ToLower(std::string_view s);
std::vector<std::string> Split(std::string_view s, char sep);  // keeps empty parts
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

std::optional<int64_t> ParseInt64(std::string_view s);  // whole string, optional sign
std::optional<double> ParseDouble(std::string_view s);  // whole string

// Shortest text that parses back to the same double ("0.1", "1e+300", "12").
std::string FormatDouble(double v);

// Appends s as a JSON string literal (quotes included), escaping per RFC 8259.
void AppendJsonString(std::string& out, std::string_view s);

// True if s is valid UTF-8.
bool IsValidUtf8(std::string_view s);
// s with every byte that does not start a valid UTF-8 sequence replaced by U+FFFD, so formats that must hold
// text (JSON, Parquet STRING, xlsx) stay readable; exactness is impossible for bytes that are not text.
std::string RepairUtf8(std::string_view s);

// 64-bit FNV-1a; used for stable ids of tasks and part files (never for security).
uint64_t Fnv1a64(std::string_view s, uint64_t seed = 0xcbf29ce484222325ULL);
std::string Hex64(uint64_t v);  // 16 lowercase hex digits

}  // namespace datasync::core
