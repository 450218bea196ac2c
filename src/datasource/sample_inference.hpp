// Field types inferred from a sample of a vendor's answer (`datasync dataset sample`): for providers whose
// datasets are described by the user (rest), the fields of a dataset are read from one real answer instead
// of written by hand, then frozen into the dataset's `fields:` (the user checks them, and from then on the
// declared types hold and drift is reported against them, as for every dataset).
//
// The rules are the ones a careful person would apply and are conservative where a guess could lose data:
//   - JSON true/false -> bool; JSON integers -> int64 (beyond 64 bits: decimal(38,0));
//   - JSON numbers with a fraction (or mixed with integers) -> float64, with a note to declare decimal(p,s)
//     when exact decimals matter (a JSON number is a double for most vendors);
//   - strings that are all ISO dates (2024-01-02) -> date; all 8-digit days (20240102) in a field whose
//     name says date -> date; all timestamps (2024-01-02T09:30:00[.f][Z|+08:00], or with a space) ->
//     timestamp;
//   - strings that are all decimal numbers ("185.6400", as vendors that keep precision send prices) ->
//     decimal(p,s) at the widest scale seen, p 18 or 38 with room for larger values;
//   - anything mixed, or only nulls -> string (with a note), nested objects and arrays -> left out (a note).
// A primary key and a date key are proposed from the names (an id, a code or ticker, and a date), and the
// key is kept only when it is unique in the sample.
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/schema.hpp"

namespace datasync::datasource {

// One value of a sampled record, as the vendor wrote it.
struct SampleValue {
  enum class Kind : uint8_t { kNull, kBool, kInteger, kNumber, kString, kNested };
  Kind kind = Kind::kNull;
  std::string text;  // a string's content, a number's digits, "true"/"false"; empty for null and nested
};

// An answer's records before any schema.
struct RecordSample {
  std::vector<std::string> fields;             // in the order the answer first names them
  std::vector<std::vector<SampleValue>> rows;  // one value per field (kNull where a record lacks the key)
};

struct InferredSchema {
  std::vector<core::Field> fields;       // in the sample's order, nested ones left out
  std::vector<std::string> primary_key;  // empty: none found unique in the sample
  std::string date_key;
  // One line per decision the user should check ("pct_chg: numbers with a fraction, read as float64; ...").
  std::vector<std::string> notes;
};

InferredSchema InferSchema(const RecordSample& sample);

}  // namespace datasync::datasource
