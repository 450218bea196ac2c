// GET /api/v1/events: the daemon's event bus as Server-Sent Events (docs/web.md "Live events"). Each client
// has its own bounded queue on the bus (drop-oldest), so a slow client never slows a run; it holds one of
// the server's worker threads while connected, so at most worker_threads - 2 clients stream at once and
// the rest are answered 503 (the browser's EventSource retries).
#include <fmt/format.h>

#include <atomic>
#include <chrono>

#include "api/api_routes.hpp"
#include "api/bounded_server.hpp"
#include "app/events/event_bus.hpp"
#include "app/views/dashboard_views.hpp"

namespace datasync::api {

using ordered_json = nlohmann::ordered_json;

namespace {

using namespace std::chrono_literals;
constexpr size_t kQueueCapacity = 1024;
constexpr auto kKeepAlive = 15s;

struct Stream {
  std::shared_ptr<app::events::EventQueue> queue;
  uint64_t dropped_sent = 0;
  bool hello_sent = false;
  std::chrono::steady_clock::time_point last_write = std::chrono::steady_clock::now();
};

std::string Frame(std::string_view name, const ordered_json& data) {
  return fmt::format("event: {}\ndata: {}\n\n", name,
                     data.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

void AddEventRoutes(Api& api, const std::atomic<bool>& stopping) {
  app::Daemon& daemon = api.daemon();
  auto clients = std::make_shared<std::atomic<int64_t>>(0);
  const int64_t max_clients = std::max<int64_t>(1, daemon.settings().http.worker_threads - 2);
  api.Add({"GET", "/api/v1/events", Access::kViewer,
           "Live events of the runs this daemon executes (text/event-stream): run_progress, run_ended, run_message",
           [&daemon, &stopping, clients, max_clients](ApiCall& call) {
             if (clients->fetch_add(1) >= max_clients) {
               clients->fetch_sub(1);
               call.res.set_header("Retry-After", "5");
               return SendError(call.res, 503,
                                fmt::format("{} event streams are open (serve.http.worker_threads - 2); close a "
                                            "tab or raise serve.http.worker_threads",
                                            max_clients));
             }
             auto stream = std::make_shared<Stream>();
             stream->queue = daemon.events().Subscribe(kQueueCapacity);
             call.res.set_header("X-Accel-Buffering", "no");
             call.res.set_chunked_content_provider(
                 "text/event-stream",
                 [stream, &stopping](size_t, httplib::DataSink& sink) {
                   if (stopping.load()) {
                     sink.done();
                     return true;
                   }
                   if (BoundedServer::ClientGone()) return false;  // the tab closed: free the thread now
                   std::string out;
                   if (!stream->hello_sent) {
                     out = "retry: 3000\n" + Frame("hello", {{"dropped", 0}});
                     stream->hello_sent = true;
                   } else if (auto e = stream->queue->Pop(1s)) {
                     ordered_json data = app::views::EventJson(*e);
                     if (data.is_null()) return true;  // an event the web app does not stream
                     uint64_t dropped = stream->queue->dropped();
                     if (dropped != stream->dropped_sent) {
                       data["dropped"] = dropped;
                       stream->dropped_sent = dropped;
                     }
                     out = Frame(app::events::EventName(*e), data);
                   } else if (std::chrono::steady_clock::now() - stream->last_write >= kKeepAlive) {
                     out = ": keep-alive\n\n";
                   } else {
                     return sink.is_writable();
                   }
                   if (!sink.write(out.data(), out.size())) return false;
                   stream->last_write = std::chrono::steady_clock::now();
                   return true;
                 },
                 [stream, clients, &daemon](bool) {
                   daemon.events().Unsubscribe(stream->queue);
                   clients->fetch_sub(1);
                 });
           }});
}

}  // namespace datasync::api
