#include "core/schema.hpp"

namespace datasync::core {

Schema::Schema(std::vector<Field> fields) : fields_(std::move(fields)) {}

std::optional<size_t> Schema::IndexOf(std::string_view name) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i].name == name) return i;
  }
  return std::nullopt;
}

std::vector<std::string> Schema::Names() const {
  std::vector<std::string> names;
  names.reserve(fields_.size());
  for (const auto& f : fields_) names.push_back(f.name);
  return names;
}

std::optional<Schema> Schema::Select(const std::vector<std::string>& names) const {
  std::vector<Field> out;
  out.reserve(names.size());
  for (const auto& n : names) {
    auto i = IndexOf(n);
    if (!i) return std::nullopt;
    out.push_back(fields_[*i]);
  }
  return Schema(std::move(out));
}

}  // namespace datasync::core
