// The Tushare doc importer (datasource/dataset_importer.hpp) over the public functions of doc_page.hpp
// (one page: https://tushare.pro/document/2?doc_id=N) and doc_catalog.hpp (the sidebar's doc tree).
// Stateless; thread-safe.
#pragma once

#include <memory>

#include "datasource/dataset_importer.hpp"

namespace datasync::datasource::tushare {

std::shared_ptr<const DatasetImporter> MakeDocImporter();

}  // namespace datasync::datasource::tushare
