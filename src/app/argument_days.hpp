// The days an argument set asks the vendor for, as `datasync repair` and `datasync verify` place a request on
// the stored data:
//   - a parameter named like the dataset's date key (trade_date=20240105): that day;
//   - start_date / end_date (the date window of Tushare and Nasdaq Data Link requests): those days, either
//     side open when it is not given;
//   - neither: every day (a request for a key's whole history).
// Pure.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "datasource/provider.hpp"

namespace datasync::app {

// The window params of a date-ranged request (Tushare's and Nasdaq Data Link's, as their splitters name them).
inline constexpr std::string_view kStartParam = "start_date";
inline constexpr std::string_view kEndParam = "end_date";

struct DaySpan {
  int32_t first = std::numeric_limits<int32_t>::min();
  int32_t last = std::numeric_limits<int32_t>::max();
  bool open_start() const { return first == std::numeric_limits<int32_t>::min(); }
  bool open_end() const { return last == std::numeric_limits<int32_t>::max(); }
};

// The value of the parameter `name`, or null.
const std::string* FindParam(const datasource::Params& params, std::string_view name);

// The days `params` asks for; nullopt when a day parameter is not a day (the caller decides what that means).
std::optional<DaySpan> DaysAsked(const datasource::Params& params, const std::string& date_key);

}  // namespace datasync::app
