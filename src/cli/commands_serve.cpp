// `datasync serve` (the daemon), `datasync schedule next|slots` and `datasync summary`.
#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "api/http_server.hpp"
#include "app/access_service.hpp"
#include "app/daemon.hpp"
#include "app/logging.hpp"
#include "app/views/schedule_views.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/dates.hpp"
#include "core/delay_point.hpp"
#include "core/json_text.hpp"
#include "core/secrets.hpp"

namespace datasync::cli {

using json = nlohmann::ordered_json;

namespace {

std::atomic<bool> g_stop{false};
void OnStopSignal(int) {
  g_stop.store(true);
}

// Applies datasync.yaml when it is valid, so listings reflect the file (as `run` does).
core::Status ApplyConfig(app::App& a) {
  app::ConfigResult cfg = a.LoadConfig();
  if (!cfg.ok()) return core::Fail(core::ErrorKind::kConfig, app::FormatIssues(cfg.issues));
  auto applied = a.Apply(*cfg.config);
  if (!applied) return core::Fail(applied.error());
  return core::Ok();
}

}  // namespace

int CmdServe(const Globals& g, const std::string& listen_override, bool schedule) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  app::DaemonOptions options;
  options.schedule = schedule;
  auto daemon = app::Daemon::Start(**a, options);
  if (!daemon) {
    int code = ExitWithError(daemon.error());
    app::ShutDownLogging();
    return code;
  }
  std::string listen = listen_override.empty() ? (*daemon)->settings().listen : listen_override;
  std::unique_ptr<api::HttpServer> server;
  std::string url;
  if (listen != "off") {
    auto hp = app::SplitHostPort(listen);
    if (!hp) {
      std::fprintf(stderr, "error: --listen '%s' is not HOST:PORT (or off)\n", listen.c_str());
      app::ShutDownLogging();
      return kUsage;
    }
    const app::ServeSettings& serve = (*daemon)->settings();
    if (!app::IsLoopbackHost(hp->first) && !serve.allow_insecure && !serve.tls.enabled()) {
      std::fprintf(stderr,
                   "error: --listen '%s' is not a loopback address, and the web app and its sign-in would travel as "
                   "plain HTTP; give serve.tls a cert and key, or listen on 127.0.0.1 behind a TLS proxy, or set "
                   "serve.allow_insecure: true in datasync.yaml if the network is trusted\n",
                   listen.c_str());
      app::ShutDownLogging();
      return kUsage;
    }
    auto& access = (*a)->access();
    if (auto st = access.SetConfiguredTokens((*daemon)->settings().auth_tokens); !st) {
      int code = ExitWithError(st.error());
      app::ShutDownLogging();
      return code;
    }
    auto admin = access.EnsureAdminToken();
    if (!admin) {
      int code = ExitWithError(admin.error());
      app::ShutDownLogging();
      return code;
    }
    if (*admin) {
      // Shown once, on the terminal only (never in the log): only its hash is stored.
      std::fprintf(stderr,
                   "datasync serve: admin token (shown once, stored hashed; `datasync token create` makes more): %s\n",
                   (*admin)->c_str());
    }
    auto started = api::HttpServer::Start(hp->first, hp->second, serve.http, serve.tls, **a, **daemon);
    if (!started) {
      int code = ExitWithError(started.error());
      app::ShutDownLogging();
      return code;
    }
    server = std::move(*started);
    std::string host = hp->first.find(':') != std::string::npos ? "[" + hp->first + "]" : hp->first;
    url = fmt::format("{}://{}:{}", serve.tls.enabled() ? "https" : "http", host, server->port());
  }
  // Where a supervisor, a test or `datasync status` finds this daemon.
  std::filesystem::path info = (*a)->project().state_dir / "serve.json";
  {
    std::ofstream out(info.string() + ".tmp");
    out << core::JsonText(json{{"pid", ::getpid()}, {"owner", (*daemon)->owner()}, {"url", url}}) << "\n";
  }
  std::error_code ec;
  std::filesystem::rename(info.string() + ".tmp", info, ec);
  std::fprintf(stderr, "datasync serve: %s%s%s\n", (*daemon)->owner().c_str(),
               url.empty() ? "" : (", web app at " + url + "/, metrics at " + url + "/metrics").c_str(),
               schedule ? "" : " (schedules are not run here)");
  std::fflush(stderr);

  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  // Shutdown, in order: Run stops launching runs, signals the runs in flight and joins them (until the
  // deadline), releases the slots and joins the alert thread; the HTTP server answers /healthz
  // ("stopping") until then, and now stops and joins its threads. Logging goes last, its final line
  // written after every line of the threads that were joined.
  auto clean = (*daemon)->Run(g_stop);
  if (server) server->Stop();
  std::filesystem::remove(info, ec);
  if (!clean) {
    int code = ExitWithError(clean.error());
    app::ShutDownLogging();
    return code;
  }
  const std::string owner = (*daemon)->owner();
  std::fprintf(stderr, "datasync serve: stopped%s\n", *clean ? "" : " with runs still in flight");
  if (*clean) {
    server.reset();
    daemon->reset();
    a->reset();
    app::ShutDownLogging("datasync serve " + owner + " stopped");
    return kOk;
  }
  // Runs still in flight own threads that use the daemon: leave without destroying it. Their tasks were
  // checkpointed as far as they got; the next start continues them. What they log from now on goes to
  // stderr only.
  app::ShutDownLogging("datasync serve " + owner +
                       " stopped with runs still in flight; they continue when datasync serve starts again");
  core::DelayPoint("serve-exit");
  std::_Exit(kIncomplete);
}

int CmdScheduleNext(const Globals& g, const std::string& plan, int count) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  if (auto st = ApplyConfig(**a); !st) return ExitWithError(st.error());
  auto fires = (*a)->NextFires(plan, core::ProcessClock().Now(), static_cast<size_t>(std::max(count, 1)));
  if (!fires) return ExitWithError(fires.error());
  if (g.json) {
    json arr = json::array();
    for (const auto& f : *fires) arr.push_back(app::views::ToJson(f));
    Print(core::JsonText(arr, 2) + "\n");
    return kOk;
  }
  bool any_assumed = false;
  std::string out;
  for (const auto& f : *fires) {
    out += f.local + (f.assumed ? "  *" : "") + "\n";
    any_assumed |= f.assumed;
  }
  if (fires->empty()) out = "no fire time within ten years\n";
  if (any_assumed) {
    out += "* the trading calendar has no entry for that day yet (not synced): Monday to Friday assumed open\n";
  }
  Print(out);
  return kOk;
}

int CmdScheduleSlots(const Globals& g, const std::string& plan, int limit) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto slots = (*a)->Slots(plan, 0, 0);
  if (!slots) return ExitWithError(slots.error());
  // Newest last, at most `limit`.
  size_t keep = static_cast<size_t>(std::max(limit, 1));
  size_t from = slots->size() > keep ? slots->size() - keep : 0;
  if (g.json) {
    json arr = json::array();
    for (size_t i = from; i < slots->size(); ++i) arr.push_back(app::views::ToJson((*slots)[i]));
    Print(core::JsonText(arr, 2) + "\n");
    return kOk;
  }
  if (from == slots->size()) {
    Print("no slots yet (plans with a schedule fire while `datasync serve` runs)\n");
    return kOk;
  }
  std::vector<std::vector<std::string>> rows;
  for (size_t i = from; i < slots->size(); ++i) {
    const auto& s = (*slots)[i];
    rows.push_back({s.plan, LocalTime(s.slot_us), std::string(sync::SlotStateName(s.state)),
                    s.run_id ? std::to_string(s.run_id) : "-", s.note});
  }
  Print(RenderTable({"PLAN", "SLOT", "STATE", "RUN", "NOTE"}, rows));
  return kOk;
}

int CmdSummary(const Globals& g, const std::string& date, const std::string& timezone) {
  auto a = OpenApp(g);
  if (!a) return ExitWithError(a.error());
  auto tz = core::TimeZone::Load(timezone.empty() ? "UTC" : timezone);
  if (!tz) return ExitWithError(tz.error());
  int32_t day = tz->LocalDay(core::ProcessClock().Now());
  if (!date.empty()) {
    auto parsed = core::ParseDate(date);
    if (!parsed) {
      std::fprintf(stderr, "error: '%s' is not a date (YYYY-MM-DD or YYYYMMDD)\n", date.c_str());
      return kUsage;
    }
    day = *parsed;
  }
  auto s = (*a)->Summary(day, *tz);
  if (!s) return ExitWithError(s.error());
  if (g.json) {
    Print(core::JsonText(app::views::ToJson(*s), 2) + "\n");
    return kOk;
  }
  Print(s->Text());
  return kOk;
}

}  // namespace datasync::cli
