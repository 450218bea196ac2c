// Instants as UTC text in the sync tests: "2026-11-21 09:30:00" <-> TimePoint.
#pragma once

#include <string>

#include "core/clock.hpp"
#include "core/dates.hpp"

namespace datasync::sync::testing {

inline core::TimePoint At(const std::string& utc) { return core::FromEpochMicros(*core::ParseTimestamp(utc)); }
inline std::string Text(core::TimePoint t) { return core::FormatTimestamp(core::ToEpochMicros(t)); }

}  // namespace datasync::sync::testing
