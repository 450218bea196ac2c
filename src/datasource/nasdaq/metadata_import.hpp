// Nasdaq Data Link metadata answers read into Datasets (`datasync dataset import --api`, `dataset refresh`):
//   /api/v3/datatables/P/T/metadata.json   {"datatable":{"name","description","columns":[{"name","type"}],
//                                           "filters":[...],"primary_key":[...]}}
//   /api/v3/datasets/DB/CODE/metadata.json {"dataset":{"name","description","column_names":[...],
//                                           "frequency","newest_available_date","oldest_available_date"}}
// A table's filterable columns become the dataset's request params (`col`, and for dates and numbers
// `col.gte`, `col.gt`, `col.lte`, `col.lt`), which are what plans and templates may send. A time series
// is imported for its whole database (api datasets/DB; the series is the request param `code`), with the
// imported code's columns, dates as the key. The vendor's type names map case-insensitively:
// String -> string, Date -> date, DateTime -> timestamp, Integer -> int64, BigDecimal(p,s) -> decimal(p,s)
// (at most 18 digits: wider ones are narrowed, with a note), double/float -> float64, Boolean -> bool;
// anything else is stored as string, with a note.
//
// Pure functions; thread-safe. The metadata is untrusted text: names are checked, never interpreted.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "core/logical_type.hpp"
#include "datasource/dataset_importer.hpp"

namespace datasync::datasource::nasdaq {

// What `dataset import --api` (or a stored doc_url) names: "datatables/P/T" or "datasets/DB/CODE", also
// inside a URL (…/api/v3/datatables/P/T/metadata.json).
struct MetadataRef {
  bool table = true;
  std::string api;        // the dataset's api: "datatables/P/T" or "datasets/DB"
  std::string code;       // time series: the series whose metadata is read
  std::string with_code;  // the metadata path: api, plus "/" + code for a series
};
core::Result<MetadataRef> ParseMetadataRef(std::string_view text);

// A vendor column type; `note` says what was decided when it was not an exact match.
struct VendorType {
  core::LogicalType type;
  std::string note;
};
VendorType MapVendorType(std::string_view vendor_type);

// The dataset a metadata answer describes; `doc_url` is recorded on it (refresh reads it back).
core::Result<ImportedDataset> ParseMetadata(const MetadataRef& ref, std::string_view json, std::string doc_url);

}  // namespace datasync::datasource::nasdaq
