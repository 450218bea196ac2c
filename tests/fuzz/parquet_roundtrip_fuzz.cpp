// Fuzz target: the Parquet writer's round trip (storage/parquet/parquet_format.hpp). Writer settings and a
// batch are built from the input, written with the sink's own writer, and read back in-process by the
// reader in parquet_reader.hpp (written here from the format's specification); every cell must come back
// with its type and value. Strings that are not valid UTF-8 must come back as valid UTF-8 holding U+FFFD
// (the writer's documented replacement); all other values bit for bit.
//
// Input: a settings byte (codec: none, snappy, zstd; dictionary on or off), row-group and page sizes, then
// the batch (batch_from_bytes.hpp; dates and timestamps over their whole physical range). Page and row
// group sizes are kept small, within the option table's ranges, so that few rows span several pages and
// row groups.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

#include "batch_from_bytes.hpp"
#include "parquet_reader.hpp"
#include "storage/parquet/parquet_format.hpp"

namespace pq = datasync::storage::parquet;
namespace fuzz = datasync::fuzz;
using datasync::core::TypeId;
using datasync::core::Value;

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "parquet round trip fuzz: %s\n", what.c_str());
  std::abort();
}

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      n = 1, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3, cp = c & 0x07;
    } else {
      return false;
    }
    for (size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::ByteSource in(data, size);
  pq::ParquetSettings settings;
  const uint8_t flags = in.Byte();
  settings.codec = flags % 3 == 0   ? pq::format::kUncompressed
                   : flags % 3 == 1 ? pq::format::kSnappy
                                    : pq::format::kZstd;
  settings.compression_level = 1;
  settings.dictionary = (flags & 4) == 0;
  settings.row_group_size_bytes = 1024 + in.Byte() * 32;
  settings.row_group_rows = in.Byte() % 40;
  settings.data_page_size_bytes = 1024 + in.Byte() * 16;
  settings.dictionary_max_bytes = in.Byte() * 8;
  fuzz::FuzzBatch fb = fuzz::BatchFromBytes(in, {.iso_calendar = false});

  pq::ParquetFormat format(settings);
  auto writer = format.NewWriter(*fb.schema);
  std::vector<uint32_t> all(fb.rows.size());
  std::iota(all.begin(), all.end(), 0u);
  std::string file;
  if (auto st = writer->Begin(file); !st) Fail("Begin failed: " + st.error().ToString());
  // Two writes, as a sink does with several batches: the second half continues the first's row group.
  const size_t half = all.size() / 2;
  if (auto st = writer->WriteRows(fb.batch, std::span(all).first(half), file); !st)
    Fail("WriteRows failed: " + st.error().ToString());
  if (auto st = writer->WriteRows(fb.batch, std::span(all).subspan(half), file); !st)
    Fail("WriteRows failed: " + st.error().ToString());
  if (auto st = writer->End(file); !st) Fail("End failed: " + st.error().ToString());

  auto back = fuzz::ReadParquet(file);
  if (!back) Fail("the file does not read back: " + back.error().message());
  if (back->fields.size() != fb.schema->size())
    Fail("the file has " + std::to_string(back->fields.size()) + " columns");
  for (size_t c = 0; c < back->fields.size(); ++c) {
    const auto& want = fb.schema->field(c);
    if (back->fields[c].name != want.name || back->fields[c].type != want.type) {
      Fail("column " + std::to_string(c) + " reads back as " + back->fields[c].name + " " +
           back->fields[c].type.ToString() + ", not " + want.name + " " + want.type.ToString());
    }
  }
  auto expected = fb.rows;
  for (size_t r = 0; r < expected.size() && r < back->rows.size(); ++r) {
    for (size_t c = 0; c < expected[r].size() && c < back->rows[r].size(); ++c) {
      Value& want = expected[r][c];
      if (want.type.id != TypeId::kString || want.is_null() || IsUtf8(std::get<std::string>(want.v))) continue;
      const Value& got = back->rows[r][c];
      if (got.is_null() || got.type.id != TypeId::kString) continue;  // CompareCells reports it
      const auto& s = std::get<std::string>(got.v);
      if (!IsUtf8(s) || s.find("\xEF\xBF\xBD") == std::string::npos) {
        Fail("row " + std::to_string(r) + " column " + std::to_string(c) +
             ": a string that is not UTF-8 did not come back as UTF-8 with U+FFFD");
      }
      want = got;
    }
  }
  if (auto diff = fuzz::CompareCells(expected, back->rows); !diff.empty()) Fail(diff);
  return 0;
}
