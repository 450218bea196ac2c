// The value-yielding parameter sources of argument_spec.hpp, each expanded into a small table: one column
// for most sources, two for date windows. Used by ArgumentGenerator; separate so each source's rules
// (date steps, alignment, checkpoints, trading days) can be read and tested on their own.
// Pure apart from the GenerationContext ports; thread-safe when those are.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "generation/argument_generator.hpp"
#include "generation/argument_spec.hpp"

namespace datasync::generation {

struct ValueTable {
  std::vector<std::string> columns;
  std::vector<std::string> cells;  // row-major: rows() x columns.size()
  size_t rows() const { return columns.empty() ? 0 : cells.size() / columns.size(); }
};

// Every kind except kFormat, kProduct and kZip (kInternal for those).
core::Result<ValueTable> ExpandSource(const ParamSource& source, const GenerationContext& ctx);

// Checks what can be checked without data or a clock (formats, steps, date syntax, window options, units,
// mustache syntax, groups), so `validate` reports it at the line of the source. kConfig, "param 'x': ...".
core::Status CheckSource(const ParamSource& source);

// Date arithmetic of the sources, exposed for tests.
// The date `k` steps after `base` ("day", "week", "month", "quarter", "year"); month-based steps keep
// `anchor_day` where the month has it and clamp to the month's end otherwise (Jan 31 + 1 month = Feb 29).
int32_t StepDate(int32_t base, int64_t k, const std::string& step, uint32_t anchor_day);
core::Status CheckStep(const std::string& step);

}  // namespace datasync::generation
