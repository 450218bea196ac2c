// Field and Schema: the ordered, named, typed columns of a dataset or a batch.
// Immutable once built; share as std::shared_ptr<const Schema> across threads.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/logical_type.hpp"

namespace datasync::core {

struct Field {
  std::string name;
  LogicalType type;
  bool nullable = true;
  std::string description;

  friend bool operator==(const Field&, const Field&) = default;
};

class Schema {
 public:
  Schema() = default;
  explicit Schema(std::vector<Field> fields);

  const std::vector<Field>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  const Field& field(size_t i) const { return fields_[i]; }
  std::optional<size_t> IndexOf(std::string_view name) const;
  std::vector<std::string> Names() const;

  // A new schema with only the named fields, in the given order; nullopt if one is unknown.
  std::optional<Schema> Select(const std::vector<std::string>& names) const;

  friend bool operator==(const Schema&, const Schema&) = default;

 private:
  std::vector<Field> fields_;
};

using SchemaPtr = std::shared_ptr<const Schema>;

}  // namespace datasync::core
