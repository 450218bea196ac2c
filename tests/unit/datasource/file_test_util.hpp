// Helpers for the file sources' tests: archives made by libzip and zlib (the writers of the formats the
// sources read), so each test states the bytes it feeds.
#pragma once

#include <zip.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace datasync::datasource::files::testing {

// A zip of `members` (name, text), deflated, written by libzip through a temporary file.
inline std::string MakeZip(const std::vector<std::pair<std::string, std::string>>& members) {
  auto path = std::filesystem::temp_directory_path() /
              ("ds_zip_" + std::to_string(::getpid()) + "_" + std::to_string(reinterpret_cast<uintptr_t>(&members)) + ".zip");
  int err = 0;
  zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  for (const auto& [name, text] : members) {
    zip_source_t* src = zip_source_buffer(z, text.data(), text.size(), 0);
    zip_file_add(z, name.c_str(), src, ZIP_FL_OVERWRITE);
  }
  zip_close(z);
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::filesystem::remove(path);
  return ss.str();
}

// One gzip member of `text`.
inline std::string Gzip(const std::string& text) {
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, text.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

}  // namespace datasync::datasource::files::testing
