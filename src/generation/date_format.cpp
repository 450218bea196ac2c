#include "generation/date_format.hpp"

#include <array>

#include "core/dates.hpp"

namespace datasync::generation {

namespace {

constexpr std::string_view kSeparators = "-/.:_T ";

struct Token {
  std::string_view text;
  int width;
};
constexpr std::array<Token, 6> kTokens = {{{"YYYY", 4}, {"MM", 2}, {"DD", 2}, {"hh", 2}, {"mm", 2}, {"ss", 2}}};

void AppendPadded(std::string& out, int64_t v, int width) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  if (v < 0) out += '-';
  for (int i = static_cast<int>(digits.size()); i < width; ++i) out += '0';
  out += digits;
}

}  // namespace

core::Status CheckDateFormat(std::string_view format) {
  if (format.empty()) return core::Fail(core::ErrorKind::kConfig, "the date format is empty");
  bool has_token = false;
  for (size_t i = 0; i < format.size();) {
    bool matched = false;
    for (const auto& t : kTokens) {
      if (format.substr(i, t.text.size()) == t.text) {
        i += t.text.size();
        matched = has_token = true;
        break;
      }
    }
    if (matched) continue;
    if (kSeparators.find(format[i]) == std::string_view::npos) {
      return core::Fail(core::ErrorKind::kConfig,
                        "date format '" + std::string(format) + "' has '" + std::string(1, format[i]) +
                            "' at position " + std::to_string(i + 1) +
                            " (use YYYY, MM, DD, hh, mm, ss and the separators - / . : _ T or a space)");
    }
    ++i;
  }
  if (!has_token) {
    return core::Fail(core::ErrorKind::kConfig,
                      "date format '" + std::string(format) + "' has no YYYY, MM, DD, hh, mm or ss");
  }
  return core::Ok();
}

std::string FormatWallTime(int64_t local_micros, std::string_view format) {
  constexpr int64_t kDay = 86'400'000'000LL;
  int64_t days = local_micros >= 0 ? local_micros / kDay : -((-local_micros + kDay - 1) / kDay);
  int64_t secs = (local_micros - days * kDay) / 1'000'000;
  core::CivilDate c = core::CivilFromDays(static_cast<int32_t>(days));
  const int64_t parts[] = {c.year, c.month, c.day, secs / 3600, (secs / 60) % 60, secs % 60};
  std::string out;
  for (size_t i = 0; i < format.size();) {
    bool matched = false;
    for (size_t t = 0; t < kTokens.size(); ++t) {
      if (format.substr(i, kTokens[t].text.size()) == kTokens[t].text) {
        AppendPadded(out, parts[t], kTokens[t].width);
        i += kTokens[t].text.size();
        matched = true;
        break;
      }
    }
    if (!matched) out += format[i++];
  }
  return out;
}

std::string FormatDay(int32_t days, std::string_view format) {
  return FormatWallTime(static_cast<int64_t>(days) * 86'400'000'000LL, format);
}

}  // namespace datasync::generation
