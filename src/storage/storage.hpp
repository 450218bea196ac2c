// Storage: one configured destination (a SQLite file, a folder of CSV files, a database server): the sink
// plugin that writes to it and that plugin's validated options. Plain data.
#pragma once

#include <string>

#include "core/options.hpp"

namespace datasync::storage {

struct Storage {
  std::string name;
  std::string kind;  // sink plugin id: "sqlite", "csv", "jsonl", ...
  core::Options options;

  friend bool operator==(const Storage&, const Storage&) = default;
};

}  // namespace datasync::storage
