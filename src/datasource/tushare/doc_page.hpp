// Tushare documentation pages (https://tushare.pro/document/2?doc_id=N) as data (ARCHITECTURE §8): the
// API name, title, description, row cap, required points, input params and output fields of one page,
// and the doc tree of its sidebar. The structure and its known variants are described in
// ../shared/fixtures/tushare_docs/README.md; the HTML is read with the toolkit in datasource/html/, and
// only the content div is relied on, not the outer shell.
//
// Everything on a page is untrusted text: names must be identifiers (a row whose name is not is left out
// and noted), descriptions lose control characters and are capped, and nothing from a page is ever
// interpreted. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/logical_type.hpp"
#include "datasource/dataset.hpp"

namespace datasync::datasource::tushare {

struct DocField {
  std::string name;
  std::string vendor_type;            // as written on the page: str, float, int, datetime, number, None ...
  core::LogicalType type;             // what datasync stores
  std::optional<bool> default_shown;  // the 默认显示 column, when the page has one
  std::string description;

  friend bool operator==(const DocField&, const DocField&) = default;
};

struct DocPage {
  std::string url;
  std::string title;  // the <h2>
  std::string api;
  std::string description;
  int64_t row_cap = 0;  // 0: the page does not say
  int64_t points = 0;   // 0: the page does not say
  std::vector<RequestParam> params;
  std::vector<DocField> fields;
  std::vector<std::string> primary_key;  // proposed
  std::string date_key;                  // proposed
  std::vector<std::string> notes;        // decisions the importer made on its own, for the operator
};

// kInvalidInput naming what is missing ("no output table (输出参数)") when the page is not a dataset page,
// or naming the limit when the page is too large or nests too deep to be parsed (html::ParseLimits).
core::Result<DocPage> ParseDocPage(std::string_view html, std::string_view url);

struct DocLink {
  int64_t doc_id = 0;
  std::string label;
  int64_t parent = 0;         // doc_id of the enclosing node; 0 at the top
  bool has_children = false;  // a category (its children may be listed only on its own page)
};

// The doc tree in the page's sidebar, in document order; empty when the page has none. kInvalidInput
// naming the page (`url`) and the limit when it is too large or nests too deep to be parsed.
core::Result<std::vector<DocLink>> ParseSidebar(std::string_view html, std::string_view url);

// The doc_id in a doc URL ("…/document/2?doc_id=27"); nullopt when it has none.
std::optional<int64_t> DocIdOf(std::string_view url);

// The logical type of a documented field: vendor type first, then dates recognised from names
// (trade_date, *_date) and descriptions (YYYYMMDD); unknown or `None` types read as string, with a note.
core::LogicalType InferFieldType(std::string_view name, std::string_view vendor_type, std::string_view description,
                                 std::string* note);

// Proposes a primary key and a date key from the fields' names: a code (ts_code, ...) and an observation
// date (trade_date, cal_date, end_date, ...), or exchange + date for calendars.
void ProposeKeys(const std::vector<DocField>& fields, std::vector<std::string>& primary_key, std::string& date_key);

// The Dataset the page describes (origin import), bound to `source` and named `name`.
Dataset ToDataset(const DocPage& page, const std::string& source, const std::string& name);

}  // namespace datasync::datasource::tushare
