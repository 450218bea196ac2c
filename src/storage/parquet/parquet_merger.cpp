#include "storage/parquet/parquet_merger.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/strings.hpp"
#include "storage/files/fs_util.hpp"
#include "storage/parquet/parquet_format.hpp"
#include "storage/parquet/parquet_metadata.hpp"

namespace datasync::storage::parquet {

using core::ErrorKind;
using core::Fail;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kUnitsKey = "datasync.units";
constexpr size_t kCopyChunk = size_t{1} << 20;

struct Footer {
  FileMetaData meta;
  int64_t file_size = 0;
};

core::Result<Footer> ReadFooter(int fd, const fs::path& path) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Fail(files::IoError("cannot stat", path, errno));
  Footer f;
  f.file_size = st.st_size;
  auto bad = [&](const std::string& why) {
    return Fail(ErrorKind::kPermanent, "'" + path.string() + "' is not a Parquet file datasync can merge: " + why);
  };
  if (f.file_size < 12) return bad("too short");
  char tail[8];
  if (auto s = files::ReadAt(fd, tail, 8, f.file_size - 8, path); !s) return Fail(s.error());
  if (std::memcmp(tail + 4, "PAR1", 4) != 0) return bad("no PAR1 magic at the end");
  uint32_t len = 0;
  std::memcpy(&len, tail, 4);
  if (len > static_cast<uint64_t>(f.file_size) - 12) return bad("footer length out of range");
  std::string footer(len, '\0');
  if (auto s = files::ReadAt(fd, footer.data(), len, f.file_size - 8 - len, path); !s) return Fail(s.error());
  auto meta = ParseFileMetaData(footer);
  if (!meta) return bad(meta.error().message());
  if (meta->created_by != ParquetCreatedBy()) return bad("written by '" + meta->created_by + "'");
  f.meta = std::move(*meta);
  for (const auto& rg : f.meta.row_groups) {
    for (const auto& c : rg.columns) {
      if (c.StartOffset() < 4 || c.total_compressed_size < 0 ||
          c.StartOffset() + c.total_compressed_size > f.file_size - 8 - static_cast<int64_t>(len)) {
        return bad("a column chunk lies outside the file");
      }
    }
  }
  return f;
}

core::Result<Footer> ReadFooter(const fs::path& path) {
  files::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return Fail(files::IoError("cannot open", path, errno));
  return ReadFooter(fd.get(), path);
}

}  // namespace

core::Result<std::vector<CompactedUnit>> CompactedUnits(const FileMetaData& meta, const fs::path& path) {
  std::vector<CompactedUnit> out;
  auto text = FindKeyValue(meta, kUnitsKey);
  if (!text) return out;
  int64_t total = 0;
  for (const auto& line : core::Split(*text, '\n')) {
    if (line.empty()) continue;
    auto parts = core::Split(line, '\t');
    auto count = parts.size() == 3 ? core::ParseInt64(parts[0]) : std::nullopt;
    // Bounded by the file's row groups, so that the sum below cannot overflow on a hostile footer.
    if (!count || *count < 0 || *count > static_cast<int64_t>(meta.row_groups.size()) || parts[1].empty()) {
      return Fail(ErrorKind::kPermanent,
                  "'" + path.string() + "' has a malformed " + std::string(kUnitsKey) + " entry");
    }
    out.push_back({*count, {parts[1], parts[2]}});
    total += *count;
  }
  if (total != static_cast<int64_t>(meta.row_groups.size())) {
    return Fail(ErrorKind::kPermanent, "'" + path.string() + "' lists units for " + std::to_string(total) +
                                           " row groups but has " + std::to_string(meta.row_groups.size()));
  }
  return out;
}

core::Result<std::vector<files::PartMerger::Member>> ParquetMerger::Members(const fs::path& file) const {
  auto footer = ReadFooter(file);
  if (!footer) return Fail(footer.error());
  auto units = CompactedUnits(footer->meta, file);
  if (!units) return Fail(units.error());
  std::vector<Member> out;
  for (auto& u : *units) out.push_back(std::move(u.member));
  return out;
}

core::Result<std::string> ParquetMerger::LayoutKey(const fs::path& file) const {
  auto footer = ReadFooter(file);
  if (!footer) return Fail(footer.error());
  FileMetaData schema_only;
  schema_only.schema = footer->meta.schema;
  std::string key;
  AppendFileMetaData(schema_only, key);
  return key;
}

core::Result<files::PartMerger::Output> ParquetMerger::Merge(const std::vector<Input>& inputs,
                                                             const fs::path& out_path) const {
  Output result;
  FileMetaData merged;
  std::string units_text;
  files::UniqueFd out(::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (out.get() < 0) return Fail(files::IoError("cannot create", out_path, errno));
  if (auto s = files::WriteAll(out.get(), std::string_view("PAR1", 4), out_path); !s) return Fail(s.error());
  int64_t offset = 4;
  std::string buffer;  // as large as the largest copy, at most kCopyChunk: merging small parts stays cheap

  for (const auto& input : inputs) {
    files::UniqueFd in(::open(input.path.c_str(), O_RDONLY | O_CLOEXEC));
    if (in.get() < 0) return Fail(files::IoError("cannot open", input.path, errno));
    auto footer = ReadFooter(in.get(), input.path);
    if (!footer) return Fail(footer.error());
    FileMetaData& meta = footer->meta;
    if (merged.schema.empty()) {
      merged.schema = meta.schema;
    } else if (!(merged.schema == meta.schema)) {
      return Fail(ErrorKind::kPermanent,
                  "'" + input.path.string() + "' has other columns than the files merged before it");
    }
    auto units = CompactedUnits(meta, input.path);
    if (!units) return Fail(units.error());
    if (units->empty()) {
      if (input.unit.empty()) return Fail(ErrorKind::kInternal, "merging a plain part without its unit");
      units->push_back({static_cast<int64_t>(meta.row_groups.size()), {input.unit, input.source}});
    }
    size_t rg_index = 0;
    for (const auto& [count, member] : *units) {
      size_t first = rg_index;
      rg_index += static_cast<size_t>(count);
      if (input.drop.count(member.unit)) continue;
      for (size_t g = first; g < rg_index; ++g) {
        RowGroup rg = meta.row_groups[g];
        int64_t start = INT64_MAX, end = 0;
        for (const auto& c : rg.columns) {
          start = std::min(start, c.StartOffset());
          end = std::max(end, c.StartOffset() + c.total_compressed_size);
        }
        if (rg.columns.empty() || end < start) start = end = 0;
        // Copy the row group's pages as they are, then move its offsets to where they now live.
        for (int64_t at = start; at < end;) {
          size_t n = static_cast<size_t>(std::min<int64_t>(end - at, static_cast<int64_t>(kCopyChunk)));
          if (buffer.size() < n) buffer.resize(n);
          if (auto s = files::ReadAt(in.get(), buffer.data(), n, at, input.path); !s) return Fail(s.error());
          if (auto s = files::WriteAll(out.get(), std::string_view(buffer.data(), n), out_path); !s)
            return Fail(s.error());
          at += static_cast<int64_t>(n);
        }
        int64_t shift = offset - start;
        for (auto& c : rg.columns) {
          c.data_page_offset += shift;
          if (c.dictionary_page_offset) *c.dictionary_page_offset += shift;
        }
        rg.file_offset = offset;
        rg.ordinal = static_cast<int16_t>(merged.row_groups.size());
        offset += end - start;
        merged.num_rows += rg.num_rows;
        merged.row_groups.push_back(std::move(rg));
      }
      units_text += std::to_string(count) + "\t" + member.unit + "\t" + member.source + "\n";
      result.members.push_back(member);
    }
  }
  if (merged.schema.empty()) return Fail(ErrorKind::kInternal, "merge without inputs");
  merged.key_value.emplace_back(std::string(kUnitsKey), units_text);
  merged.created_by = std::string(ParquetCreatedBy());
  std::string footer;
  AppendFileMetaData(merged, footer);
  uint32_t len = static_cast<uint32_t>(footer.size());
  footer.append(reinterpret_cast<const char*>(&len), 4);
  footer += "PAR1";
  if (auto s = files::WriteAll(out.get(), footer, out_path); !s) return Fail(s.error());
  result.rows = merged.num_rows;
  result.bytes = offset + static_cast<int64_t>(footer.size());
  return result;
}

}  // namespace datasync::storage::parquet
