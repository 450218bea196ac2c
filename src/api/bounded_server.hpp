// BoundedServer: cpp-httplib's Server with every resource a client can take bounded by app::HttpLimits.
// Internal to api/ (it includes httplib.h); HttpServer is the public face.
//
// cpp-httplib 0.11.4 (Debian 12) gives a server an unbounded task queue, no limit on open connections,
// per-read timeouts only (a client trickling a byte every few seconds holds a thread forever) and a body
// limit that is checked by reading the whole body first. So this class replaces the parts that decide:
//   - the task queue (new_task_queue): worker_threads threads; a connection beyond max_connections (served
//     plus waiting) is answered 503 and closed on the listener's thread, without waiting for a worker;
//   - the connection loop (the virtual process_and_close_socket): its own Stream over the socket, with a
//     deadline per request (request_timeout_secs from the connection's accept, or from the previous
//     response), an idle limit, a header byte budget and a body byte budget;
//   - admission (pre-routing and Expect: 100-continue handlers): a request for no route, for a method the
//     route does not take, or with a Content-Length over max_body_bytes is answered from its headers and
//     the connection closed, so its body is never read.
// Routes are added with Route() so that admission knows them. With EnableTls, each connection's TLS handshake
// (OpenSSL) runs in the connection loop on the worker, within the first request's time, and the stream
// reads and writes through the session.
//
// Lifecycle: construct -> Route(...) -> bind/listen (httplib) -> Shutdown() from another thread.
// Thread-safety: Route before listening; Shutdown and refused() from any thread.
#pragma once

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "core/error.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace datasync::api {

class BoundedServer final : public httplib::Server {
 public:
  explicit BoundedServer(const app::HttpLimits& limits);
  ~BoundedServer() override;

  // Serves HTTPS only (TLS 1.2 and later) with this PEM certificate chain and key; before listening.
  // kConfig naming the file when either cannot be used, or they do not match.
  core::Status EnableTls(const std::string& cert_file, const std::string& key_file);

  // `method`: GET (also answers HEAD), POST, PUT, PATCH, DELETE. `pattern`: a regex over the path.
  void Route(const std::string& method, const std::string& pattern, Handler handler);
  // Stops accepting; connections still open end within their timeouts, then listen() returns.
  void Shutdown();
  // True when the client of the connection this thread serves has closed it (or reset it). A streaming
  // answer (Server-Sent Events) checks it between events: writes to a closed connection may still succeed
  // for a while, and the thread would be held until one fails.
  static bool ClientGone();
  // When the request this thread serves now had its headers read (for the access log's latency).
  static std::chrono::steady_clock::time_point RequestStart();
  // Connections refused beyond max_connections since the start.
  uint64_t refused() const { return refused_.load(); }

 private:
  struct RouteEntry {
    std::string method;
    std::regex pattern;
  };

  bool process_and_close_socket(socket_t sock) override;
  ssl_st* Handshake(socket_t sock, std::chrono::steady_clock::time_point deadline);
  // The status a request is refused with before its body is read, if any.
  std::optional<int> Refusal(const httplib::Request& req) const;
  void Refuse(socket_t sock);

  app::HttpLimits limits_;
  ssl_ctx_st* tls_ = nullptr;  // set by EnableTls
  std::vector<RouteEntry> routes_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> refused_{0};
  std::mutex log_mu_;
  std::chrono::steady_clock::time_point last_refusal_log_{};
  uint64_t refused_logged_ = 0;
};

}  // namespace datasync::api
