// Terminal output for the CLI: aligned tables (CJK-aware widths), human numbers, the live progress line
// and the run report. Pure formatting; commands decide what to print where.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sync/executor.hpp"
#include "sync/run_report.hpp"
#include "sync/sync_run.hpp"

namespace datasync::cli {

// Columns padded to the widest cell; East Asian wide characters count as two columns.
std::string RenderTable(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows);
size_t DisplayWidth(const std::string& utf8);

std::string Thousands(int64_t n);      // 1234567 -> "1,234,567"
std::string HumanBytes(int64_t n);     // "12.3 MB"
std::string HumanSeconds(double s);    // "1.23 s", "4 min 05 s", "2 h 03 min"
std::string LocalTime(int64_t epoch_us);  // "2024-06-03 17:30:05" in the machine's local zone

std::string ProgressLine(const std::string& plan, const sync::Progress& p);
std::string RenderReport(const sync::RunReport& r);

}  // namespace datasync::cli
