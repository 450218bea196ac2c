// DatasetPreview: the newest rows a storage holds of a dataset (the web app's data preview), optionally of
// one key value (e.g. ts_code 000001.SZ), newest first by the dataset's date key, so that the page can list
// them and chart a numeric field over the days. The storage is read through its DatasetReader (the sqlite
// storage can; other storages refuse and say so), like coverage.
//
// Runs on the caller's thread; reads only.
#pragma once

#include <cstddef>
#include <string>

#include "app/app.hpp"
#include "storage/dataset_reader.hpp"

namespace datasync::app {

struct PreviewOptions {
  std::string dataset;
  std::string storage;    // default: the first readable storage of the plans that sync the dataset
  std::string key_value;  // only rows whose key field (below) equals it; empty: every key
  size_t limit = 100;     // at most 5,000
};

struct DatasetPreview {
  std::string dataset, storage;
  std::string order_by;   // the date key (or the first primary key field without one)
  std::string key_field;  // the primary key field that is not the date key, if any
  std::string key_value;
  storage::Rows rows;  // every field of the dataset, newest first
};

inline constexpr size_t kMaxPreviewRows = 5000;

// kNotFound: unknown dataset or storage; kInvalidInput: a key value for a dataset without a key field, or a
// storage that cannot read rows back.
core::Result<DatasetPreview> PreviewRows(App& app, const PreviewOptions& options);

}  // namespace datasync::app
