#include "app/schema_checks.hpp"

#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

#include "core/json_text.hpp"


namespace datasync::app {

SchemaCheckLog SchemaCheckLog::Load(const std::filesystem::path& state_dir) {
  SchemaCheckLog log;
  log.path_ = state_dir / "schema_checks.json";
  std::ifstream in(log.path_, std::ios::binary);
  if (!in) return log;
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("datasets") || !j["datasets"].is_object()) return log;
  for (const auto& [name, at] : j["datasets"].items()) {
    if (at.is_number_integer()) log.checked_[name] = at.get<int64_t>();
  }
  return log;
}

std::optional<int64_t> SchemaCheckLog::LastChecked(const std::string& dataset) const {
  auto it = checked_.find(dataset);
  if (it == checked_.end()) return std::nullopt;
  return it->second;
}

bool SchemaCheckLog::Due(const std::string& dataset, int64_t now_us, int64_t every_hours) const {
  if (every_hours <= 0) return false;
  auto last = LastChecked(dataset);
  return !last || now_us - *last >= every_hours * 3'600'000'000LL;
}

core::Status SchemaCheckLog::Save() const {
  nlohmann::json datasets = nlohmann::json::object();
  for (const auto& [name, at] : checked_) datasets[name] = at;
  std::string text = core::JsonText(nlohmann::json{{"datasets", datasets}}, 2) + "\n";
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  std::filesystem::path tmp = path_;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      return core::Fail(core::ErrorKind::kTransient, "cannot write " + tmp.string() + " (disk full?)");
    }
  }
  std::filesystem::rename(tmp, path_, ec);
  if (ec) return core::Fail(core::ErrorKind::kTransient, "cannot replace " + path_.string() + ": " + ec.message());
  return core::Ok();
}

}  // namespace datasync::app
