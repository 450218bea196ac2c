// JsonlFormat: JSON Lines (https://jsonlines.org): one JSON object per row, keys in schema order, "\n"
// after each. Numbers are JSON numbers (int64 too; non-finite floats become null because JSON has no NaN
// or Infinity, and -0.0 is written "-0.0" so parsers keep it a float), decimals are strings so no reader
// rounds them through a double, dates and timestamps are strings in the same text as CSV, NULL is null.
// Text that is not valid UTF-8 has its bad bytes replaced by U+FFFD, so every line stays parseable.
// Immutable after construction; each writer is used by one thread.
#pragma once

#include <memory>

#include "storage/files/row_format.hpp"
#include "storage/files/text_part_merger.hpp"

namespace datasync::storage::jsonl {

class JsonlFormat final : public files::RowFormat {
 public:
  std::string_view name() const override { return "jsonl"; }
  std::string_view extension() const override { return "jsonl"; }
  std::vector<std::pair<std::string, std::string>> ReaderSettings() const override;
  std::unique_ptr<files::RowFormatWriter> NewWriter(const core::Schema& schema) const override;
  // Part files merge by copying their lines (files::TextPartMerger).
  const files::PartMerger* merger() const override { return &merger_; }

 private:
  files::TextPartMerger merger_{{}};
};

// Appends s as a JSON string literal, replacing invalid UTF-8 with U+FFFD first.
void AppendJsonText(std::string& out, std::string_view s);

// One row as a JSON object by the rules above, keys in schema order, without a trailing separator. Shared
// by JSON Lines and the JSON array format (json/). Immutable after construction.
class JsonObjectEncoder {
 public:
  explicit JsonObjectEncoder(const core::Schema& schema);
  void AppendRow(const core::ColumnBatch& batch, uint32_t row, std::string& out) const;
  // How readers parse the values back, for the schema sidecar.
  static std::vector<std::pair<std::string, std::string>> ReaderSettings();

 private:
  std::vector<std::string> keys_;
};

}  // namespace datasync::storage::jsonl
