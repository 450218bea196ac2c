// Row comparison: the rows of one dataset from two places (two storages for `datasync reconcile`, the
// vendor's answer today and a storage for `datasync verify`), compared field by field.
//
// Values are compared by their canonical text under the type the dataset declares for the field, so one
// value read back from different storages compares equal: a date stored as ISO text, as a DATE or as a
// Date32; 1 as an integer, as 1.0 or as the text "1"; a decimal as NUMERIC text "12.3400" or as scaled
// integers. A NULL differs from every value, also from the empty string.
//
// Two ways to compare:
//   - RowDigest: a set of rows as (count, sum of 64-bit row hashes). It is order-independent, so two storages
//     that return a partition's rows in different orders agree, and equal digests mean equal row sets (up to
//     a hash collision). It holds no rows: a partition of any size is digested in constant memory.
//   - KeyedDiff: rows matched by the dataset's primary key. One side is held (its canonical texts), the
//     other streamed past it; the result counts rows only on one side, rows whose values differ (per field),
//     and keeps the first examples of each.
//
// Pure and single-threaded.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/logical_type.hpp"
#include "core/value.hpp"

namespace datasync::app {

// The fields compared, in order, with their declared types; `key` indexes the primary key among them.
struct CompareColumns {
  std::vector<std::string> fields;
  std::vector<core::LogicalType> types;
  std::vector<size_t> key;
};

// `v` as text under `declared`: numbers without a trailing ".0", dates YYYYMMDD, timestamps in
// microseconds, decimals at the declared scale, booleans "1"/"0"; NULL as "\x01" (no value's text).
std::string CanonicalText(const core::Value& v, const core::LogicalType& declared);

// A number as CanonicalText spells it: "12" for 12.0, the shortest text that reads back as `x` otherwise.
std::string NumberTextOf(double x);

// The hash of one row's canonical texts (fields separated, so "a","bc" and "ab","c" differ).
uint64_t RowHash(const std::vector<core::Value>& row, const CompareColumns& columns);

struct RowDigest {
  int64_t rows = 0;
  uint64_t sum = 0;  // wraps
  void Add(uint64_t row_hash) {
    ++rows;
    sum += row_hash;
  }
  friend bool operator==(const RowDigest&, const RowDigest&) = default;
};

struct RowExample {
  enum class Kind : uint8_t { kOnlyLeft, kOnlyRight, kChanged };
  Kind kind = Kind::kChanged;
  std::string key;    // "ts_code=000001.SZ trade_date=20240102"
  std::string field;  // kChanged: the field that differs
  std::string left;   // kChanged: the two values (NULL as "NULL"); otherwise the row, "field=value ..."
  std::string right;
};

struct RowDiff {
  int64_t left_rows = 0, right_rows = 0;
  int64_t same = 0;                                 // matched rows with equal values
  int64_t changed = 0;                              // matched rows with a value that differs
  int64_t only_left = 0;                            // keys only the left side holds
  int64_t only_right = 0;                           // keys only the right side holds
  int64_t duplicates = 0;                           // rows whose key appeared before on the same side (not compared)
  std::map<std::string, int64_t> changed_by_field;  // field -> rows where it differs
  std::vector<RowExample> examples;                 // the first max_examples of each kind
  bool equal() const { return changed == 0 && only_left == 0 && only_right == 0 && duplicates == 0; }
};

class KeyedDiff {
 public:
  KeyedDiff(CompareColumns columns, size_t max_examples);
  // Every left row first, then every right row; rows in `columns` order.
  void AddLeft(const std::vector<core::Value>& row);
  void AddRight(const std::vector<core::Value>& row);
  // The left rows no right row matched are counted as only left.
  RowDiff Finish();

 private:
  std::string KeyText(const std::vector<std::string>& canon) const;
  std::string RowText(const std::vector<std::string>& canon) const;
  void Example(RowExample e);

  CompareColumns columns_;
  size_t max_examples_;
  std::map<RowExample::Kind, size_t> examples_by_kind_;
  struct Held {
    std::vector<std::string> canon;
    bool matched = false;
  };
  std::unordered_map<std::string, Held> left_;  // by key text
  std::unordered_map<std::string, bool> right_seen_;
  RowDiff diff_;
};

// A canonical text for people: NULL as "NULL".
std::string ShowCanonical(const std::string& canon);

}  // namespace datasync::app
