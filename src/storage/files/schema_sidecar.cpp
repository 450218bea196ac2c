#include "storage/files/schema_sidecar.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json_text.hpp"
#include "storage/files/fs_util.hpp"

namespace datasync::storage::files {

using core::ErrorKind;
using core::Fail;
using core::LogicalType;
using core::TypeId;
using nlohmann::json;

namespace {

constexpr int kSidecarVersion = 1;

json FieldsJson(const std::vector<core::Field>& fields) {
  json out = json::array();
  for (const auto& f : fields) {
    out.push_back({{"name", f.name}, {"type", f.type.ToString()}, {"nullable", f.nullable}});
  }
  return out;
}

core::Result<std::vector<core::Field>> FieldsFromJson(const json& j, std::string_view what) {
  std::vector<core::Field> out;
  if (j.is_null()) return out;
  if (!j.is_array()) return Fail(ErrorKind::kPermanent, std::string(what) + " is not a list");
  for (const auto& item : j) {
    if (!item.is_object() || !item.contains("name") || !item.contains("type") || !item.at("name").is_string() ||
        !item.at("type").is_string()) {
      return Fail(ErrorKind::kPermanent, std::string(what) + " has an entry without a name and a type");
    }
    auto type = LogicalType::Parse(item.at("type").get<std::string>());
    if (!type) {
      return Fail(ErrorKind::kPermanent,
                  std::string(what) + " has unknown type '" + item.at("type").get<std::string>() + "'");
    }
    core::Field f;
    f.name = item.at("name").get<std::string>();
    f.type = *type;
    auto nullable = item.find("nullable");
    f.nullable = nullable == item.end() || !nullable->is_boolean() || nullable->get<bool>();
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

std::string RenderSidecar(const SchemaSidecar& s) {
  json j;
  j["format_version"] = kSidecarVersion;
  j["dataset"] = s.dataset;
  j["format"] = s.format;
  j["fields"] = FieldsJson(s.fields);
  if (!s.retired_fields.empty()) j["retired_fields"] = FieldsJson(s.retired_fields);
  j["primary_key"] = s.primary_key;
  if (s.partition_by.empty()) {
    j["partition"] = nullptr;
  } else {
    j["partition"] = {{"by", s.partition_by}, {"granularity", s.partition_granularity}, {"key", s.partition_key}};
  }
  json settings = json::object();
  for (const auto& [k, v] : s.format_settings) settings[k] = v;
  j["format_settings"] = settings;
  json versions = json::array();
  for (const auto& v : s.versions) versions.push_back({{"version", v.version}, {"fields", FieldsJson(v.fields)}});
  j["versions"] = versions;
  if (s.history) j["history"] = true;
  // error_handler::replace: a name that is not valid UTF-8 must not make the sidecar unwritable.
  return core::JsonText(j, 2) + "\n";
}

core::Result<SchemaSidecar> ParseSidecar(std::string_view text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Fail(ErrorKind::kPermanent, "the schema sidecar is not a JSON object");
  auto version = j.find("format_version");
  if (version == j.end() || !version->is_number_integer() || version->get<int64_t>() != kSidecarVersion) {
    return Fail(ErrorKind::kPermanent, "the schema sidecar has format_version " +
                                           (version == j.end() ? std::string("(none)") : version->dump()) +
                                           ", this datasync reads " + std::to_string(kSidecarVersion));
  }
  SchemaSidecar s;
  // Field access below cannot throw on a well-typed document; check the types we rely on first.
  auto str = [&](const char* key) -> std::string {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  s.dataset = str("dataset");
  s.format = str("format");
  auto member = [&](const char* key) { return j.contains(key) ? j.at(key) : json(); };
  auto fields = FieldsFromJson(member("fields"), "fields");
  if (!fields) return Fail(fields.error());
  s.fields = std::move(*fields);
  auto retired = FieldsFromJson(member("retired_fields"), "retired_fields");
  if (!retired) return Fail(retired.error());
  s.retired_fields = std::move(*retired);
  if (auto it = j.find("primary_key"); it != j.end() && it->is_array()) {
    for (const auto& k : *it) {
      if (k.is_string()) s.primary_key.push_back(k.get<std::string>());
    }
  }
  if (auto it = j.find("partition"); it != j.end() && it->is_object()) {
    auto text = [&](const char* key) {
      auto m = it->find(key);
      return m != it->end() && m->is_string() ? m->get<std::string>() : std::string();
    };
    s.partition_by = text("by");
    s.partition_granularity = text("granularity");
    s.partition_key = text("key");
  }
  if (auto it = j.find("history"); it != j.end()) {
    if (!it->is_boolean()) return Fail(ErrorKind::kPermanent, "history is not true or false");
    s.history = it->get<bool>();
  }
  if (auto it = j.find("versions"); it != j.end() && it->is_array()) {
    for (const auto& v : *it) {
      if (!v.is_object() || !v.contains("version") || !v.at("version").is_number_integer()) {
        return Fail(ErrorKind::kPermanent, "versions has an entry without a version number");
      }
      auto vf = FieldsFromJson(v.contains("fields") ? v.at("fields") : json(), "versions[].fields");
      if (!vf) return Fail(vf.error());
      s.versions.push_back({v.at("version").get<int64_t>(), std::move(*vf)});
    }
  }
  if (auto it = j.find("format_settings"); it != j.end() && it->is_object()) {
    for (const auto& [k, v] : it->items()) {
      if (v.is_string()) s.format_settings.emplace_back(k, v.get<std::string>());
    }
  }
  return s;
}

core::Result<std::optional<SchemaSidecar>> ReadSidecar(const std::filesystem::path& dir) {
  auto path = dir / kSchemaSidecarName;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<SchemaSidecar>();
  auto text = ReadWholeFile(path);
  if (!text) return Fail(text.error());
  auto parsed = ParseSidecar(*text);
  if (!parsed) return Fail(core::Error(parsed.error()).Context(path.string()));
  return std::optional<SchemaSidecar>(std::move(*parsed));
}

core::Status WriteSidecar(const std::filesystem::path& dir, const SchemaSidecar& sidecar) {
  return WriteFileAtomically(dir / kSchemaSidecarName, RenderSidecar(sidecar));
}

bool IsTextCompatibleChange(const LogicalType& from, const LogicalType& to) {
  if (from == to || to.id == TypeId::kString) return true;
  switch (from.id) {
    case TypeId::kInt32: return to.id == TypeId::kInt64 || to.id == TypeId::kFloat64;
    case TypeId::kInt64: return to.id == TypeId::kFloat64;
    case TypeId::kDecimal:
      return to.id == TypeId::kDecimal && to.scale >= from.scale &&
             to.precision - to.scale >= from.precision - from.scale;
    default: return false;
  }
}

core::Result<SchemaSidecar> EvolveSidecar(const SchemaSidecar& previous, SchemaSidecar next) {
  auto find = [](const std::vector<core::Field>& fields, const std::string& name) -> const core::Field* {
    for (const auto& f : fields) {
      if (f.name == name) return &f;
    }
    return nullptr;
  };
  for (const auto& f : next.fields) {
    const core::Field* old = find(previous.fields, f.name);
    if (!old) old = find(previous.retired_fields, f.name);
    if (old && !IsTextCompatibleChange(old->type, f.type)) {
      return Fail(ErrorKind::kConfig, "field '" + f.name + "' changes type from " + old->type.ToString() + " to " +
                                          f.type.ToString() +
                                          ", which the existing part files cannot be read as; rewrite the "
                                          "dataset with mode replace or write it under a new name");
    }
  }
  next.versions = previous.versions;
  if (next.versions.empty()) next.versions.push_back({1, previous.fields});  // a sidecar from before versions
  // Descriptions are not stored, so compare what is: names, types, nullability.
  auto same = [](const std::vector<core::Field>& a, const std::vector<core::Field>& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const core::Field& x, const core::Field& y) {
      return x.name == y.name && x.type == y.type && x.nullable == y.nullable;
    });
  };
  if (!same(next.fields, previous.fields)) next.versions.push_back({next.versions.back().version + 1, next.fields});
  // Keep what older part files may still contain, so readers can still type those columns.
  for (const auto* list : {&previous.fields, &previous.retired_fields}) {
    for (const auto& f : *list) {
      if (!find(next.fields, f.name) && !find(next.retired_fields, f.name)) next.retired_fields.push_back(f);
    }
  }
  return next;
}

}  // namespace datasync::storage::files
