#include "sim_clock.hpp"

#include <chrono>
#include <cstdio>

#include "civil_date.hpp"

namespace datasync::vendorsim {
namespace {

bool ReadDigits(std::string_view text, size_t pos, size_t count, int& value) {
  if (pos + count > text.size()) return false;
  value = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

}  // namespace

int64_t SimClock::NowMs() const {
  if (mode_ == ClockMode::kManual) return manual_ms_.load(std::memory_order_relaxed);
  if (mode_ == ClockMode::kFile) {
    // A file being rewritten may be read empty or half-written: keep the last good value then.
    if (std::FILE* f = std::fopen(file_.c_str(), "r")) {
      long long us = 0;
      int n = std::fscanf(f, "%lld", &us);
      std::fclose(f);
      if (n == 1 && us > 0) manual_ms_.store(us / 1000, std::memory_order_relaxed);
    }
    return manual_ms_.load(std::memory_order_relaxed);
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool SimClock::Advance(int64_t delta_ms) {
  if (mode_ != ClockMode::kManual) return false;
  manual_ms_.fetch_add(delta_ms);
  return true;
}

bool SimClock::Set(int64_t epoch_ms) {
  if (mode_ != ClockMode::kManual) return false;
  manual_ms_.store(epoch_ms);
  return true;
}

std::optional<int64_t> ParseIso8601(std::string_view text) {
  int year, month, day, hour, minute, second;
  if (!ReadDigits(text, 0, 4, year) || text.size() < 19 || text[4] != '-' || !ReadDigits(text, 5, 2, month) ||
      text[7] != '-' || !ReadDigits(text, 8, 2, day) || (text[10] != 'T' && text[10] != ' ') ||
      !ReadDigits(text, 11, 2, hour) || text[13] != ':' || !ReadDigits(text, 14, 2, minute) || text[16] != ':' ||
      !ReadDigits(text, 17, 2, second)) {
    return std::nullopt;
  }
  if (!IsValidCivil(year, month, day) || hour > 23 || minute > 59 || second > 59) return std::nullopt;
  size_t pos = 19;
  int millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 3) millis = millis * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 3; ++i) millis *= 10;
  }
  int64_t offset_ms = 0;
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int oh, om;
    if (!ReadDigits(text, pos + 1, 2, oh) || pos + 3 >= text.size() || text[pos + 3] != ':' ||
        !ReadDigits(text, pos + 4, 2, om) || oh > 23 || om > 59) {
      return std::nullopt;
    }
    offset_ms = (oh * 3600LL + om * 60LL) * 1000 * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;  // a bare local time would be ambiguous
  }
  if (pos != text.size()) return std::nullopt;
  const int64_t days = DaysFromCivil(year, month, day);
  return days * kMsPerDay + ((hour * 60LL + minute) * 60 + second) * 1000 + millis - offset_ms;
}

std::string FormatShanghai(int64_t epoch_ms) {
  const int64_t local = epoch_ms + kShanghaiOffsetMs;
  const int64_t days = FloorDiv(local, kMsPerDay);
  const int64_t ms_of_day = local - days * kMsPerDay;
  const CivilDate c = CivilFromDays(static_cast<int>(days));
  const int64_t secs = ms_of_day / 1000;
  const int millis = static_cast<int>(ms_of_day % 1000);
  char buf[48];
  if (millis == 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", c.year, c.month, c.day,
                  static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+08:00", c.year, c.month, c.day,
                  static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60), static_cast<int>(secs % 60), millis);
  }
  return buf;
}

int ShanghaiDay(int64_t epoch_ms) {
  return static_cast<int>(FloorDiv(epoch_ms + kShanghaiOffsetMs, kMsPerDay));
}

int64_t ShanghaiMsOfDay(int64_t epoch_ms) {
  const int64_t local = epoch_ms + kShanghaiOffsetMs;
  return local - FloorDiv(local, kMsPerDay) * kMsPerDay;
}

}  // namespace datasync::vendorsim
