// ArgumentGenerator: turns a plan's ArgumentSpec into request argument sets, one at a time.
//
// Each parameter's values are expanded once (a list, a date range: at most thousands of values); their
// cartesian product is then enumerated lazily like an odometer, so five years of trading days x 5000
// codes is never materialized. Lifecycle: Make -> Next()... until false. Not thread-safe (one planner).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "datasource/provider.hpp"
#include "generation/argument_spec.hpp"

namespace datasync::core {
class TimeZone;
}

namespace datasync::generation {

struct GenerationContext {
  const core::Clock* clock = nullptr;     // for "today"
  const core::TimeZone* tz = nullptr;     // the source's time zone; "today" is its local date
};

class ArgumentGenerator {
 public:
  // Fails with kConfig naming the parameter when a source cannot be expanded.
  static core::Result<std::unique_ptr<ArgumentGenerator>> Make(const ArgumentSpec& spec,
                                                               const GenerationContext& ctx);

  // Fills `out` with the next argument set (parameters in declaration order); false when exhausted.
  bool Next(datasource::Params& out);
  // Total number of argument sets (the product of every parameter's value count; 1 when no params).
  uint64_t Count() const { return count_; }

 private:
  std::vector<std::string> names_;
  std::vector<std::vector<std::string>> values_;
  std::vector<size_t> cursor_;
  uint64_t count_ = 0;
  uint64_t emitted_ = 0;
};

// The values of one parameter source, in order.
core::Result<std::vector<std::string>> ExpandParam(const ParamSource& source, const GenerationContext& ctx);

// Resolves "YYYYMMDD", "YYYY-MM-DD", "today", "today-N", "today+N" to days since the epoch.
core::Result<int32_t> ResolveDate(const std::string& text, const GenerationContext& ctx);

}  // namespace datasync::generation
