#include "app/config_parser.hpp"
#include "metadata/system_db_factory.hpp"

namespace datasync::app {

void ConfigParser::ParseProject(const YAML::Node& n) {
  if (!RequireMap(n, "project")) return;
  CheckKeys(n, "project", {"name", "system_db", "schema_refresh_hours"});
  if (auto v = n["name"]) {
    if (auto s = Str(v, "project.name")) config_.project.name = *s;
  }
  if (auto v = n["system_db"]) {
    if (auto s = Str(v, "project.system_db")) {
      // Kept even when refused: opening it then fails the same way, so no command falls back to a default.
      config_.project.system_db = *s;
      system_db_at_ = Loc(v.Mark());
      if (options_.system_dbs != nullptr) {
        if (auto ok = options_.system_dbs->Check(*s, "project.system_db"); !ok) Error(v.Mark(), ok.error().message());
      }
    }
  }
  if (auto v = n["schema_refresh_hours"]) {
    auto h = Int(v, "project.schema_refresh_hours");
    if (h && (*h < 0 || *h > 24 * 366)) {
      Error(v.Mark(), "project.schema_refresh_hours: " + std::to_string(*h) + " is out of range (0 to 8784; 0 = off)");
    } else if (h) {
      config_.project.schema_refresh_hours = *h;
    }
  }
}

}  // namespace datasync::app
