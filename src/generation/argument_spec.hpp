// ArgumentSpec: how a plan's request arguments are generated (ARCHITECTURE §9). Each parameter draws its
// values from one source; the plan's tasks are the cartesian product of all parameters, in declaration
// order (the last parameter varies fastest). Plain data.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace datasync::generation {

struct ParamSource {
  enum class Kind : uint8_t { kConstant, kList, kDateRange };

  std::string name;
  Kind kind = Kind::kConstant;
  std::vector<std::string> values;  // kConstant (one value) and kList

  // kDateRange: inclusive bounds as YYYYMMDD / YYYY-MM-DD, or "today" / "today-N" / "today+N" in the
  // source's time zone.
  std::string start;
  std::string end;
  std::string step = "day";         // day, week, month, quarter, year
  std::string format = "YYYYMMDD";  // YYYYMMDD or YYYY-MM-DD
  bool weekdays_only = false;       // skip Saturdays and Sundays (day step only)

  friend bool operator==(const ParamSource&, const ParamSource&) = default;
};

struct ArgumentSpec {
  std::vector<ParamSource> params;

  friend bool operator==(const ArgumentSpec&, const ArgumentSpec&) = default;
};

}  // namespace datasync::generation
