#include "bad_values.hpp"

#include <nlohmann/json.hpp>

namespace datasync::vendorsim {

namespace {

// Stands in for the bad value while nlohmann writes the body; replaced in the text afterwards, since
// nlohmann can hold neither 2^70 as an integer nor invalid UTF-8.
constexpr std::string_view kMarker = "\"@@vendor-sim-bad-value@@\"";

}  // namespace

void SpoilValues(std::string& body, const RuntimeConfig& config) {
  if (config.bad_value.empty() && config.extra_field.empty()) return;
  auto doc = nlohmann::ordered_json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || doc.value("code", -1) != 0) return;
  auto data = doc.find("data");
  if (data == doc.end() || !data->is_object()) return;
  auto& fields = (*data)["fields"];
  auto& items = (*data)["items"];
  if (!fields.is_array() || !items.is_array()) return;
  std::string replacement;
  if (!config.bad_value.empty() && !items.empty()) {
    for (size_t i = 0; i < fields.size(); ++i) {
      if (fields[i] != config.bad_value_field) continue;
      auto& cell = items[0][i];
      if (config.bad_value == "huge_int") {
        replacement = "1180591620717411303424";  // 2^70
      } else {
        std::string text = cell.is_string() ? cell.get<std::string>() : cell.dump();
        replacement = nlohmann::json(text).dump();
        replacement.insert(replacement.size() - 1, "\xFF");
      }
      cell = std::string(kMarker.substr(1, kMarker.size() - 2));
      break;
    }
  }
  if (!config.extra_field.empty()) {
    fields.push_back(config.extra_field);
    for (auto& row : items) {
      if (row.is_array()) row.push_back("x");
    }
  }
  body = doc.dump();
  if (!replacement.empty()) {
    if (size_t at = body.find(kMarker); at != std::string::npos) body.replace(at, kMarker.size(), replacement);
  }
}

}  // namespace datasync::vendorsim
