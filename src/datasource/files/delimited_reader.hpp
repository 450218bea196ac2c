// DelimitedReader: the records of a delimited text file (RFC 4180 CSV and its dialects: another delimiter,
// LF or CRLF line ends, a UTF-8 BOM, quoted cells with "" escapes and line breaks inside), one record at a
// time, as views into the text. Only a quoted cell with an escaped quote is copied (into the reader's own
// buffer, valid until the next call). Blank lines are skipped.
//
// Lifecycle: one per text, read front to back. Thread-safety: none.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace datasync::datasource::files {

class DelimitedReader {
 public:
  DelimitedReader(std::string_view text, char delimiter);

  // The next record's cells into `cells` (replaced); false at the end of the text. kPermanent (code
  // bad_row) for a quote that never closes, or text after a closing quote, naming the line.
  core::Result<bool> Next(std::vector<std::string_view>& cells);
  // The 1-based line on which the last record returned by Next starts.
  size_t line() const { return record_line_; }

 private:
  std::string_view text_;
  char delimiter_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t record_line_ = 0;
  std::string scratch_;                                    // unescaped quoted cells of the current record
  std::vector<std::pair<size_t, size_t>> owned_;           // (cell index, offset in scratch_)
  std::vector<size_t> owned_sizes_;
};

}  // namespace datasync::datasource::files
