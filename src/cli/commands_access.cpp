// `datasync token create|list|revoke` and `datasync audit` (docs/web.md).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/access_service.hpp"
#include "app/views/dashboard_views.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/dates.hpp"
#include "core/json_text.hpp"

namespace datasync::cli {

using json = nlohmann::ordered_json;

namespace {

std::string When(int64_t us) {
  return us == 0 ? "never" : core::FormatTimestamp(us) + " UTC";
}

}  // namespace

void AuditCli(app::App& app, const std::string& action, const std::string& target, const std::string& detail) {
  if (auto st = app.access().Record(app::Actor::Cli(), action, target, detail); !st) {
    std::fprintf(stderr, "warning: could not record %s in the audit log: %s\n", action.c_str(),
                 st.error().message().c_str());
  }
}

int CmdTokenCreate(const Globals& g, const std::string& name, const std::string& role) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto token = (*a)->access().CreateToken(name, role, app::Actor::Cli());
  if (!token) return ExitWithError(token.error());
  if (g.json) {
    Print(core::JsonText(json{{"name", name}, {"role", role}, {"token", *token}}, 2) + "\n");
  } else {
    Print(*token + "\n");
    std::fprintf(stderr, "token '%s' (%s) made: it is shown only now; only its hash is stored\n", name.c_str(),
                 role.c_str());
  }
  return kOk;
}

int CmdTokenList(const Globals& g) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto tokens = (*a)->access().Tokens();
  if (!tokens) return ExitWithError(tokens.error());
  if (g.json) {
    json arr = json::array();
    for (const auto& t : *tokens) arr.push_back(app::views::ToJson(t));
    Print(core::JsonText(arr, 2) + "\n");
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& t : *tokens) {
    rows.push_back({t.name, t.role, t.origin, When(t.created_at_us), When(t.last_used_at_us)});
  }
  if (rows.empty()) {
    Print("no stored tokens (`datasync serve` makes the first one, `datasync token create` more)\n");
  } else {
    Print(RenderTable({"NAME", "ROLE", "ORIGIN", "CREATED", "LAST USED"}, rows));
  }
  return kOk;
}

int CmdTokenRevoke(const Globals& g, const std::string& name) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  if (auto st = (*a)->access().RevokeToken(name, app::Actor::Cli()); !st) return ExitWithError(st.error());
  std::string msg = "revoked token '" + name + "' and ended its sessions";
  if (g.json)
    Print(core::JsonText(json{{"message", msg}}, 2) + "\n");
  else
    Print(msg + "\n");
  return kOk;
}

int CmdAudit(const Globals& g, int limit) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto entries = (*a)->access().Audit(limit > 0 ? limit : 50, 0);
  if (!entries) return ExitWithError(entries.error());
  if (g.json) {
    json arr = json::array();
    for (const auto& e : *entries) arr.push_back(app::views::ToJson(e));
    Print(core::JsonText(arr, 2) + "\n");
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& e : *entries) {
    rows.push_back({core::FormatTimestamp(e.at_us), e.actor.empty() ? "-" : e.actor, e.role.empty() ? "-" : e.role,
                    e.action, e.target.empty() ? "-" : e.target, e.detail, e.remote.empty() ? "-" : e.remote});
  }
  if (rows.empty()) {
    Print("the audit log is empty\n");
  } else {
    Print(RenderTable({"AT (UTC)", "ACTOR", "ROLE", "ACTION", "TARGET", "DETAIL", "FROM"}, rows));
  }
  return kOk;
}

}  // namespace datasync::cli
