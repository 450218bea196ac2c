#include "app/yaml_json.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace datasync::app {

namespace {

nlohmann::json PlainScalar(const std::string& s) {
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  // Numbers only in their canonical form, so that the text reads back the same ("000001" and "1.50" stay text).
  if (auto i = core::ParseInt64(s); i && std::to_string(*i) == s) return *i;
  if (s.find_first_not_of("0123456789.-") == std::string::npos && s.find('.') != std::string::npos) {
    nlohmann::json d = nlohmann::json::parse(s, nullptr, false);
    if (d.is_number_float() && d.dump() == s) return d;
  }
  return s;
}

// A string that plain YAML would read as something else, or not at all.
bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  nlohmann::json plain = PlainScalar(s);
  if (!plain.is_string()) return true;
  return s.find_first_of(":#{}[],&*!|>'\"%@`\n\t") != std::string::npos || s.front() == ' ' || s.back() == ' ' ||
         s.front() == '-' || s.front() == '?';
}

}  // namespace

core::Result<nlohmann::json> YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json out = nlohmann::json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (!it->first.IsScalar()) {
          return core::Fail(core::ErrorKind::kInvalidInput,
                            "line " + std::to_string(it->first.Mark().line + 1) + ": a key must be a name");
        }
        auto value = YamlToJson(it->second);
        if (!value) return value;
        out[it->first.Scalar()] = std::move(*value);
      }
      return out;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json out = nlohmann::json::array();
      for (const auto& item : node) {
        auto value = YamlToJson(item);
        if (!value) return value;
        out.push_back(std::move(*value));
      }
      return out;
    }
    case YAML::NodeType::Scalar:
      if (node.Tag() == "!") return nlohmann::json(node.Scalar());  // quoted
      return PlainScalar(node.Scalar());
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: break;
  }
  return nlohmann::json(nullptr);
}

core::Result<nlohmann::json> YamlTextToJson(const std::string& text) {
  YAML::Node node;
  try {
    node = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return core::Fail(core::ErrorKind::kInvalidInput, "YAML syntax error at line " + std::to_string(e.mark.line + 1) +
                                                          ", column " + std::to_string(e.mark.column + 1) + ": " +
                                                          e.msg + " (check indentation and quoting)");
  }
  if (!node.IsMap()) {
    return core::Fail(core::ErrorKind::kInvalidInput, "the YAML must be a mapping of keys to values");
  }
  return YamlToJson(node);
}

void EmitJson(YAML::Emitter& out, const nlohmann::json& j, bool quote_strings, std::span<const std::string> key_order) {
  if (j.is_object()) {
    out << YAML::BeginMap;
    auto emit = [&](const std::string& k, const nlohmann::json& v) {
      out << YAML::Key;
      if (quote_strings || NeedsQuotes(k)) out << YAML::DoubleQuoted;
      out << k << YAML::Value;
      EmitJson(out, v, quote_strings, key_order);
    };
    for (const auto& k : key_order) {
      if (auto it = j.find(k); it != j.end()) emit(k, *it);
    }
    for (const auto& [k, v] : j.items()) {
      if (std::find(key_order.begin(), key_order.end(), k) == key_order.end()) emit(k, v);
    }
    out << YAML::EndMap;
  } else if (j.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& v : j) EmitJson(out, v, quote_strings, key_order);
    out << YAML::EndSeq;
  } else if (j.is_string()) {
    const auto& s = j.get_ref<const std::string&>();
    if (quote_strings || NeedsQuotes(s)) out << YAML::DoubleQuoted;
    out << s;
  } else if (j.is_null()) {
    out << YAML::Null;
  } else {
    out << j.dump();
  }
}

std::string JsonToYaml(const nlohmann::json& value, std::span<const std::string> key_order) {
  YAML::Emitter out;
  out.SetOutputCharset(YAML::EmitNonAscii);
  EmitJson(out, value, false, key_order);
  std::string text = out.c_str();
  if (!text.empty() && text.back() != '\n') text += '\n';
  return text;
}

}  // namespace datasync::app
