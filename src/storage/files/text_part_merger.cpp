#include "storage/files/text_part_merger.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>

#include "core/strings.hpp"
#include "storage/files/fs_util.hpp"
#include "storage/files/part_layout.hpp"

namespace datasync::storage::files {

using core::ErrorKind;
using core::Fail;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr std::string_view kListMagic = "datasync-units 1";

// One unit's rows in a merged file: `bytes` bytes after the previous unit's.
struct Entry {
  int64_t bytes = 0;
  int64_t rows = 0;
  PartMerger::Member member;
};

struct UnitList {
  int64_t head = 0;
  int64_t size = 0;
  std::vector<Entry> entries;
};

// A byte count or row count of a unit list: a whole non-negative integer.
bool ParseCount(std::string_view text, int64_t& out) {
  auto n = core::ParseInt64(text);
  if (!n || *n < 0) return false;
  out = *n;
  return true;
}

std::string FormatList(int64_t head, int64_t size, const std::vector<Entry>& entries) {
  std::string out = std::string(kListMagic) + " " + std::to_string(head) + " " + std::to_string(size) + "\n";
  for (const auto& e : entries) {
    out +=
        std::to_string(e.bytes) + "\t" + std::to_string(e.rows) + "\t" + e.member.unit + "\t" + e.member.source + "\n";
  }
  return out;
}

// The unit list of a merged file, checked against the file's size: a list that does not describe the file
// would cut units apart.
core::Result<UnitList> ReadUnitList(const fs::path& file) {
  fs::path path = UnitListPath(file);
  if (!PathExists(path)) {
    return Fail(ErrorKind::kPermanent,
                "merged file '" + file.string() + "' has lost its unit list '" + path.filename().string() +
                    "', so datasync cannot tell which tasks' rows it holds; restore the list, or delete the file "
                    "and run the plans that wrote it again");
  }
  auto text = ReadWholeFile(path);
  if (!text) return Fail(text.error());
  auto bad = [&](const std::string& why) {
    return Fail(ErrorKind::kPermanent, "unit list '" + path.string() + "' is damaged (" + why +
                                           "); delete it together with '" + file.filename().string() +
                                           "' and run the plans that wrote them again");
  };
  std::vector<std::string> lines = core::Split(*text, '\n');
  if (lines.empty() || lines.back() != "") return bad("it does not end with a line break");
  lines.pop_back();
  if (lines.empty()) return bad("it is empty");
  auto first = core::Split(lines[0], ' ');
  UnitList list;
  if (first.size() != 4 || first[0] + " " + first[1] != kListMagic || !ParseCount(first[2], list.head) ||
      !ParseCount(first[3], list.size)) {
    return bad("its first line is not '" + std::string(kListMagic) + " <head> <size>'");
  }
  int64_t total = list.head;
  for (size_t i = 1; i < lines.size(); ++i) {
    auto f = core::Split(lines[i], '\t');
    Entry e;
    if (f.size() != 4 || !ParseCount(f[0], e.bytes) || !ParseCount(f[1], e.rows) || f[2].empty()) {
      return bad("line " + std::to_string(i + 1) + " is not '<bytes>\\t<rows>\\t<unit>\\t<source>'");
    }
    e.member.unit = std::move(f[2]);
    e.member.source = std::move(f[3]);
    total += e.bytes;
    list.entries.push_back(std::move(e));
  }
  if (total != list.size) return bad("its units add up to " + std::to_string(total) + " bytes, not its file's size");
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return Fail(IoError("cannot stat", file, errno));
  if (st.st_size != list.size) {
    return bad("it describes " + std::to_string(list.size) + " bytes, and the file holds " +
               std::to_string(st.st_size));
  }
  return list;
}

}  // namespace

fs::path UnitListPath(const fs::path& file) {
  return file.parent_path() / ("." + file.filename().string() + std::string(kUnitListSuffix));
}

size_t TextPartMerger::HeadLength(std::string_view data) const {
  size_t at = 0;
  if (layout_.bom && data.starts_with(kBom)) at = kBom.size();
  if (!layout_.header) return at;
  bool quoted = false;
  for (; at < data.size(); ++at) {
    char c = data[at];
    if (c == '"') quoted = !quoted;  // a doubled quote inside a quoted field flips twice
    if (c == '\n' && !quoted) return at + 1;
  }
  return data.size();  // a header without rows
}

int64_t TextPartMerger::CountRecords(std::string_view body) const {
  int64_t n = 0;
  bool quoted = false;
  for (char c : body) {
    if (layout_.csv && c == '"') quoted = !quoted;
    if (c == '\n' && !quoted) ++n;
  }
  return n;
}

core::Result<std::vector<PartMerger::Member>> TextPartMerger::Members(const fs::path& file) const {
  auto list = ReadUnitList(file);
  if (!list) return Fail(list.error());
  std::vector<Member> members;
  for (auto& e : list->entries) members.push_back(std::move(e.member));
  if (members.empty()) {
    return Fail(ErrorKind::kPermanent, "unit list '" + UnitListPath(file).string() + "' names no unit");
  }
  return members;
}

core::Result<std::string> TextPartMerger::LayoutKey(const fs::path& file) const {
  if (!layout_.csv) return std::string("lines");
  // Only the start matters: the header row, or the first record's field count. (A compressed file is
  // decompressed whole: only parts below compact_below_bytes are asked.)
  std::string start;
  if (layout_.compression != Compression::kNone) {
    auto data = ReadWholeFile(file);
    if (!data) return Fail(data.error());
    auto plain = DecompressWhole(*data, layout_.compression, "part file '" + file.string() + "'");
    if (!plain) return Fail(plain.error());
    start = std::move(*plain);
  } else {
    files::UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return Fail(IoError("cannot open", file, errno));
    start.resize(64 * 1024);
    ssize_t n;
    do {
      n = ::read(fd.get(), start.data(), start.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) return Fail(IoError("cannot read", file, errno));
    start.resize(static_cast<size_t>(n));
  }
  size_t head = HeadLength(start);
  size_t from = layout_.bom && start.starts_with(kBom) ? kBom.size() : 0;
  if (layout_.header) return "header:" + start.substr(from, head - from);
  // Without a header, files merge when their records have as many fields.
  int64_t fields = 1;
  bool quoted = false;
  for (size_t i = from; i < start.size() && (quoted || start[i] != '\n'); ++i) {
    if (start[i] == '"') quoted = !quoted;
    if (start[i] == layout_.delimiter && !quoted) ++fields;
  }
  return "fields:" + std::to_string(fields);
}

core::Result<PartMerger::Output> TextPartMerger::Merge(const std::vector<Input>& inputs, const fs::path& out) const {
  files::UniqueFd fd(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) return Fail(IoError("cannot create", out, errno));
  Output result;
  std::vector<Entry> entries;
  int64_t head = -1;
  int64_t written = 0;
  auto write = [&](std::string_view bytes) -> core::Status {
    if (auto st = WriteAll(fd.get(), bytes, out); !st) return st;
    written += static_cast<int64_t>(bytes.size());
    return core::Ok();
  };
  std::string buffer;
  for (const auto& in : inputs) {
    if (in.unit.empty()) {
      // A merged file (of any size: a rewrite reads one however large it grew): its kept units' byte ranges,
      // as its list describes them, copied a chunk at a time.
      auto list = ReadUnitList(in.path);
      if (!list) return Fail(list.error());
      files::UniqueFd src(::open(in.path.c_str(), O_RDONLY | O_CLOEXEC));
      if (src.get() < 0) return Fail(IoError("cannot open", in.path, errno));
      auto copy = [&](int64_t from, int64_t n) -> core::Status {
        while (n > 0) {
          auto chunk = static_cast<size_t>(std::min<int64_t>(n, int64_t{1} << 20));
          buffer.resize(chunk);
          if (auto st = ReadAt(src.get(), buffer.data(), chunk, from, in.path); !st) return st;
          if (auto st = write(buffer); !st) return st;
          from += static_cast<int64_t>(chunk);
          n -= static_cast<int64_t>(chunk);
        }
        return core::Ok();
      };
      if (head < 0) {
        head = list->head;
        if (auto st = copy(0, head); !st) return Fail(st.error());
      }
      int64_t at = list->head;
      for (auto& e : list->entries) {
        int64_t from = at;
        at += e.bytes;
        if (in.drop.count(e.member.unit)) continue;
        if (auto st = copy(from, e.bytes); !st) return Fail(st.error());
        result.rows += e.rows;
        entries.push_back(std::move(e));
      }
      continue;
    }
    // A plain part: smaller than compact_below_bytes, read whole to find its head and count its records.
    auto data = ReadWholeFile(in.path);
    if (!data) return Fail(data.error());
    auto plain = DecompressWhole(*data, layout_.compression, "part file '" + in.path.string() + "'");
    if (!plain) return Fail(plain.error());
    std::string_view bytes = *plain;
    size_t own_head = HeadLength(bytes);
    // Compressed, the head and the rows each become a member (frame) of their own.
    auto encode = [&](std::string_view text) -> core::Result<std::string> {
      if (text.empty()) return std::string();
      return CompressWhole(text, layout_.compression);
    };
    if (head < 0) {
      auto encoded = encode(bytes.substr(0, own_head));
      if (!encoded) return Fail(encoded.error());
      head = static_cast<int64_t>(encoded->size());
      if (auto st = write(*encoded); !st) return Fail(st.error());
    }
    std::string_view rows = bytes.substr(own_head);
    if (!rows.empty() && rows.back() != '\n') {
      return Fail(ErrorKind::kPermanent,
                  "part file '" + in.path.string() + "' does not end with a line break (cut short?); it is not merged");
    }
    auto encoded = encode(rows);
    if (!encoded) return Fail(encoded.error());
    if (auto st = write(*encoded); !st) return Fail(st.error());
    Entry e{static_cast<int64_t>(encoded->size()), CountRecords(rows), {in.unit, in.source}};
    result.rows += e.rows;
    entries.push_back(std::move(e));
  }
  result.bytes = written;
  result.unit_list = FormatList(std::max<int64_t>(head, 0), written, entries);
  for (auto& e : entries) result.members.push_back(std::move(e.member));
  return result;
}

core::Status TextPartMerger::Publish(const fs::path& tmp, const fs::path& final, const Output& merged) const {
  // The list first, durably (WriteFileAtomically syncs the folder): the file must never be without it.
  if (auto st = WriteFileAtomically(UnitListPath(final), merged.unit_list); !st) return st;
  if (::rename(tmp.c_str(), final.c_str()) != 0) return Fail(IoError("cannot rename into place", final, errno));
  return core::Ok();
}

core::Status TextPartMerger::Remove(const fs::path& file) const {
  if (auto st = RemoveFileIfExists(file); !st) return st;
  return RemoveFileIfExists(UnitListPath(file));
}

}  // namespace datasync::storage::files
