// A fresh folder under the system's temp directory for a benchmark's files (mkdtemp), named PREFIX plus six
// random characters. Exits with a message when none can be made: a benchmark has nothing to measure then.
#pragma once

#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

namespace datasync::bench {

inline std::filesystem::path MakeTempDir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / prefix).string() + std::string(6, 'X');
  if (::mkdtemp(pattern.data()) == nullptr) {
    std::fprintf(stderr, "cannot create a folder %s: %s\n", pattern.c_str(), std::strerror(errno));
    std::exit(1);
  }
  return pattern;
}

}  // namespace datasync::bench
