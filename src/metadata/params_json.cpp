#include "metadata/params_json.hpp"

#include <nlohmann/json.hpp>

#include "core/strings.hpp"

namespace datasync::metadata {

core::Result<std::string> EncodeParamsJson(const datasource::Params& params) {
  std::string out = "[";
  for (const auto& [name, value] : params) {
    if (!core::IsValidUtf8(name) || !core::IsValidUtf8(value)) {
      return core::Fail(core::ErrorKind::kInvalidInput, "task parameter '" +
                                                            (core::IsValidUtf8(name) ? name : std::string("?")) +
                                                            "' is not valid UTF-8; parameters must be text");
    }
    if (out.size() > 1) out.push_back(',');
    out.push_back('[');
    core::AppendJsonString(out, name);
    out.push_back(',');
    core::AppendJsonString(out, value);
    out.push_back(']');
  }
  out.push_back(']');
  return out;
}

core::Result<datasource::Params> DecodeParamsJson(std::string_view json) {
  // allow_exceptions = false: a malformed document comes back as a discarded value instead of a throw.
  auto doc = nlohmann::json::parse(json.begin(), json.end(), nullptr, false);
  auto malformed = [&] {
    return core::Fail(core::ErrorKind::kInternal,
                      "stored task parameters are not a JSON array of [name, value] string pairs: " +
                          std::string(json.substr(0, 200)));
  };
  if (doc.is_discarded() || !doc.is_array()) return malformed();
  datasource::Params params;
  params.reserve(doc.size());
  for (const auto& pair : doc) {
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string()) return malformed();
    params.emplace_back(pair[0].get_ref<const std::string&>(), pair[1].get_ref<const std::string&>());
  }
  return params;
}

}  // namespace datasync::metadata
