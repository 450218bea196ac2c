// Fuzz target: the Parquet reader's decoder (storage/parquet/parquet_decoder.hpp) over hostile files. The input
// is a whole file (the seeds are files datasync wrote: plain, dictionary, snappy and zstd pages); Open either
// refuses it with an error or every column chunk of every row group either decodes into exactly one value per
// row of its row group or fails with an error. Any crash, sanitizer report, hang or a chunk of the wrong
// length is a finding.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "storage/parquet/parquet_decoder.hpp"

namespace pq = datasync::storage::parquet;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The decoder reads files: one per process, rewritten for each input.
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("ds-fuzz-parquet-decoder-" + std::to_string(getpid()) + ".parquet");
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  auto decoder = pq::ParquetFileDecoder::Open(path);
  if (!decoder) return 0;
  pq::ParquetFileDecoder& d = **decoder;
  for (size_t rg = 0; rg < d.num_row_groups(); ++rg) {
    for (size_t c = 0; c < d.num_columns(); ++c) {
      (void)d.Statistics(rg, c);
      auto column = d.ReadColumn(rg, c);
      if (column && static_cast<int64_t>(column->size()) != d.num_rows(rg)) {
        std::fprintf(stderr, "parquet decoder fuzz: row group %zu column %zu has %zu values for %lld rows\n", rg, c,
                     column->size(), static_cast<long long>(d.num_rows(rg)));
        std::abort();
      }
    }
  }
  return 0;
}
