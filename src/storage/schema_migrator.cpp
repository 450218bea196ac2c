#include "storage/schema_migrator.hpp"

#include <algorithm>

namespace datasync::storage {

bool MigrationPlan::has_held() const {
  return std::any_of(steps.begin(), steps.end(), [](const MigrationStep& s) { return s.held(); });
}

std::string MigrationPlan::Script(bool include_held) const {
  std::string out;
  for (const auto& step : steps) {
    if (step.held() && !include_held) continue;
    // A description may carry a newline only through a hostile column name; keep the comment one line.
    std::string what = step.change.Describe();
    std::replace(what.begin(), what.end(), '\n', ' ');
    std::replace(what.begin(), what.end(), '\r', ' ');
    out += "-- " + std::string(step.held() ? "held: " : "") + what + "\n";
    for (const auto& s : step.statements) out += s + ";\n";
  }
  return out;
}

}  // namespace datasync::storage
