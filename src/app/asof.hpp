// `datasync asof DATASET TIME`: a dataset as datasync knew it at a past time, read from a storage that keeps
// its history (a plan with `history: true`, storage/history.hpp), and written out as CSV or JSON lines.
//
// The storage is the one named, else the first readable storage of the plans that sync the dataset
// (ResolveReadStorage). The rows are the versions valid at TIME (a UTC timestamp or a day, which means its
// start), streamed from the storage in no particular order, optionally within days of the date key. A
// storage whose table keeps no history is refused (kInvalidInput) with what to change.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace datasync::app {

class App;

enum class ExportFormat : uint8_t { kCsv, kJsonLines };
std::optional<ExportFormat> ParseExportFormat(std::string_view s);  // "csv", "jsonl"

struct AsOfOptions {
  std::string dataset;
  std::string storage;              // empty: the first readable storage of its plans
  std::string time;                 // as the user gave it
  std::optional<int32_t> from, to;  // days of the date key, inclusive
  ExportFormat format = ExportFormat::kCsv;
};

struct AsOfSummary {
  std::string dataset, storage;
  int64_t at = 0;  // microseconds since the epoch, UTC
  std::vector<std::string> columns;
  int64_t rows = 0;
};

// Streams the rows (a header first for CSV) to `write`, a piece of text at a time.
core::Result<AsOfSummary> ExportAsOf(App& app, const AsOfOptions& options,
                                     const std::function<void(std::string_view)>& write);

}  // namespace datasync::app
