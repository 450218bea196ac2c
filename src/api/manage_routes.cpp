// The Manage pages' routes: the configuration objects with their origin, the forms, and the objects made in
// the app, created, replaced and deleted (app/manage_service.hpp; docs/web.md).
#include "api/api_routes.hpp"
#include "app/manage_service.hpp"
#include "app/views/manage_views.hpp"
#include "app/yaml_json.hpp"
#include "core/secrets.hpp"
#include "core/utf8.hpp"

namespace datasync::api {

using ordered_json = nlohmann::ordered_json;
using metadata::ObjectKind;

namespace {

constexpr size_t kMaxYamlBytes = 64 * 1024;

// The object's body: "spec" (a JSON object) or "yaml" (its text); nullopt after answering 400.
std::optional<nlohmann::json> BodyOf(ApiCall& call, const nlohmann::json& request) {
  bool has_spec = request.contains("spec"), has_yaml = request.contains("yaml");
  if (has_spec == has_yaml) {
    SendError(call.res, 400, "send the object as \"spec\" (a JSON object) or as \"yaml\" (its YAML text), one of them");
    return std::nullopt;
  }
  if (has_spec) {
    if (!request["spec"].is_object()) {
      SendError(call.res, 400, "spec: expected a JSON object (the keys written under the object in datasync.yaml)");
      return std::nullopt;
    }
    return request["spec"];
  }
  if (!request["yaml"].is_string()) {
    SendError(call.res, 400, "yaml: expected the object's YAML as text");
    return std::nullopt;
  }
  const auto& text = request["yaml"].get_ref<const std::string&>();
  if (text.size() > kMaxYamlBytes) {
    SendError(call.res, 400, "yaml: longer than 64 KiB");
    return std::nullopt;
  }
  if (core::FirstInvalidUtf8(text) != std::string::npos) {
    SendError(call.res, 400, "yaml: not valid UTF-8");
    return std::nullopt;
  }
  auto body = app::YamlTextToJson(text);
  if (!body) {
    SendError(call.res, 400, "yaml: " + body.error().message());
    return std::nullopt;
  }
  return *body;
}

// A change refused for the configuration's problems: 422 (or `status`) with every problem.
void SendChange(ApiCall& call, const app::ObjectChange& change, int ok_status, int refused_status) {
  ordered_json j = app::views::ToJson(change);
  if (change.ok) return SendJson(call.res, ok_status, j);
  std::string first;
  for (const auto& i : change.issues) {
    if (!i.warning) {
      first = app::FormatIssue(i);
      break;
    }
  }
  j["error"] = {{"status", refused_status},
                {"message", core::Redact("the configuration with this change has problems: " + first)}};
  SendJson(call.res, refused_status, j);
}

void AddKindRoutes(Api& api, ObjectKind kind) {
  app::App& app = api.app();
  std::string section(metadata::ObjectSection(kind));
  std::string what(metadata::ObjectKindName(kind));
  api.Add({"GET", "/api/v1/forms/" + section, Access::kViewer,
           "The form of a " + what + ": its keys and its plugins' option tables", [&app, kind](ApiCall& call) {
             SendJson(call.res, 200, app::views::FormJson(kind, app.providers(), app.sinks()));
           }});
  api.Add({"GET", "/api/v1/objects/" + section + "/{name}", Access::kViewer,
           "One " + what + " with its origin, its body (secrets masked) and its YAML", [&app, kind](ApiCall& call) {
             auto o = app::GetObject(app, kind, PathName(call));
             if (!o) return SendFailure(call.res, o.error());
             auto yaml = app::ExportObject(app, kind, o->name);
             if (!yaml) return SendFailure(call.res, yaml.error());
             ordered_json j = app::views::ToJson(*o, true);
             j["yaml"] = *yaml;
             SendJson(call.res, 200, j);
           }});
  api.Add({"POST",
           "/api/v1/objects/" + section,
           Access::kOperator,
           "Create a " + what + " in the app (origin api); 422 with the configuration's problems",
           [&app, kind](ApiCall& call) {
             auto request = JsonBody(call, {"name", "spec", "yaml"});
             if (!request) return;
             if (!(*request)["name"].is_string()) return SendError(call.res, 400, "name: expected the object's name");
             auto body = BodyOf(call, *request);
             if (!body) return;
             auto change = app::SaveObject(app, kind, (*request)["name"].get<std::string>(), *body, true, call.actor());
             if (!change) return SendFailure(call.res, change.error());
             SendChange(call, *change, 201, 422);
           },
           {},
           true});
  api.Add({"PUT",
           "/api/v1/objects/" + section + "/{name}",
           Access::kOperator,
           "Replace a " + what + " made in the app; 422 with the configuration's problems",
           [&app, kind](ApiCall& call) {
             auto request = JsonBody(call, {"spec", "yaml"});
             if (!request) return;
             auto body = BodyOf(call, *request);
             if (!body) return;
             auto change = app::SaveObject(app, kind, PathName(call), *body, false, call.actor());
             if (!change) return SendFailure(call.res, change.error());
             SendChange(call, *change, 200, 422);
           },
           {},
           true});
  api.Add({"DELETE", "/api/v1/objects/" + section + "/{name}", Access::kOperator,
           "Delete a " + what + " made in the app; 409 while other objects use it", [&app, kind](ApiCall& call) {
             auto change = app::DeleteObject(app, kind, PathName(call), call.actor());
             if (!change) return SendFailure(call.res, change.error());
             SendChange(call, *change, 200, 409);
           }});
}

}  // namespace

void AddManageRoutes(Api& api) {
  app::App& app = api.app();
  api.Add({"GET", "/api/v1/objects", Access::kViewer,
           "Every configuration object with its origin (config, import, api)", [&app](ApiCall& call) {
             auto all = app::ListObjects(app);
             if (!all) return SendFailure(call.res, all.error());
             ordered_json items = ordered_json::array();
             for (const auto& o : *all) items.push_back(app::views::ToJson(o, false));
             SendJson(call.res, 200, ordered_json{{"items", items}});
           }});
  for (ObjectKind kind : metadata::kObjectKinds) AddKindRoutes(api, kind);
  api.Add({"POST",
           "/api/v1/templates/test",
           Access::kViewer,
           "The first argument sets of a template (as saved, or as a body not yet saved) and their count",
           [&app](ApiCall& call) {
             auto request = JsonBody(call, {"name", "spec", "yaml", "limit"});
             if (!request) return;
             if (!(*request)["name"].is_string()) return SendError(call.res, 400, "name: expected the template's name");
             int64_t limit = 10;
             if (request->contains("limit")) {
               const auto& l = (*request)["limit"];
               if (!l.is_number_integer() || l.get<int64_t>() < 1 || l.get<int64_t>() > 100) {
                 return SendError(call.res, 400, "limit: expected an integer from 1 to 100");
               }
               limit = l.get<int64_t>();
             }
             nlohmann::json body;
             if (request->contains("spec") || request->contains("yaml")) {
               auto b = BodyOf(call, *request);
               if (!b) return;
               body = std::move(*b);
             }
             std::vector<app::ConfigIssue> issues;
             auto test = app::TestTemplate(app, (*request)["name"].get<std::string>(), body, static_cast<size_t>(limit),
                                           issues);
             if (!test && !issues.empty()) {
               app::ObjectChange refused;
               refused.issues = std::move(issues);
               return SendChange(call, refused, 200, 422);
             }
             if (!test) return SendFailure(call.res, test.error());
             SendJson(call.res, 200, app::views::ToJson(*test));
           },
           {},
           true});
}

}  // namespace datasync::api
