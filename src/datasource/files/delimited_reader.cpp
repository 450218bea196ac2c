#include "datasource/files/delimited_reader.hpp"

namespace datasync::datasource::files {

namespace {

core::Status BadRow(size_t line, std::string why) {
  core::Error e(core::ErrorKind::kPermanent, "line " + std::to_string(line) + ": " + std::move(why));
  e.WithCode("bad_row");
  return tl::unexpected(std::move(e));
}

}  // namespace

DelimitedReader::DelimitedReader(std::string_view text, char delimiter) : text_(text), delimiter_(delimiter) {
  if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
}

core::Result<bool> DelimitedReader::Next(std::vector<std::string_view>& cells) {
  cells.clear();
  scratch_.clear();
  owned_.clear();
  owned_sizes_.clear();
  // Blank lines (LF or CRLF) between records.
  while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
    if (text_[pos_] == '\n') ++line_;
    ++pos_;
  }
  if (pos_ >= text_.size()) return false;
  record_line_ = line_;
  const size_t n = text_.size();
  for (;;) {
    if (pos_ < n && text_[pos_] == '"') {
      const size_t start = ++pos_;
      bool escaped = false;
      for (;;) {
        size_t q = text_.find('"', pos_);
        if (q == std::string_view::npos) {
          return tl::unexpected(BadRow(record_line_, "a quoted cell never closes (a \" without its closing \")").error());
        }
        for (size_t i = pos_; i < q; ++i) {
          if (text_[i] == '\n') ++line_;
        }
        if (q + 1 < n && text_[q + 1] == '"') {
          if (!escaped) {
            escaped = true;
            owned_.emplace_back(cells.size(), scratch_.size());
          }
          scratch_.append(text_.substr(pos_, q + 1 - pos_));  // up to and with one quote
          pos_ = q + 2;
          continue;
        }
        if (escaped) {
          scratch_.append(text_.substr(pos_, q - pos_));
          owned_sizes_.push_back(scratch_.size() - owned_.back().second);
          cells.emplace_back();
        } else {
          cells.push_back(text_.substr(start, q - start));
        }
        pos_ = q + 1;
        break;
      }
      if (pos_ < n && text_[pos_] != delimiter_ && text_[pos_] != '\n' && text_[pos_] != '\r') {
        return tl::unexpected(
            BadRow(line_, "text after a quoted cell's closing quote (quotes inside a cell are written \"\")").error());
      }
    } else {
      size_t end = pos_;
      while (end < n && text_[end] != delimiter_ && text_[end] != '\n' && text_[end] != '\r') ++end;
      cells.push_back(text_.substr(pos_, end - pos_));
      pos_ = end;
    }
    if (pos_ < n && text_[pos_] == delimiter_) {
      ++pos_;
      continue;
    }
    // End of the record: CRLF, LF, a lone CR, or the end of the text.
    if (pos_ < n && text_[pos_] == '\r') ++pos_;
    if (pos_ < n && text_[pos_] == '\n') {
      ++pos_;
      ++line_;
    }
    break;
  }
  for (size_t i = 0; i < owned_.size(); ++i) {
    cells[owned_[i].first] = std::string_view(scratch_).substr(owned_[i].second, owned_sizes_[i]);
  }
  return true;
}

}  // namespace datasync::datasource::files
