#include "api/bounded_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <functional>
#include <thread>

#include "core/log.hpp"

namespace datasync::api {

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Set by the task queue around the job that serves one connection: when the connection was accepted, and
// whether it is to be refused (the queue is full; the job then runs on the listener's thread).
thread_local Clock::time_point t_accepted_at{};
thread_local bool t_refuse = false;

class ConnectionStream;
thread_local ConnectionStream* t_stream = nullptr;  // the connection this worker serves now
thread_local Clock::time_point t_request_start{};   // when the request being served had its headers

// Milliseconds from now until `deadline`, at least 0.
int MillisUntil(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(left, 0, 60'000));
}

// Waits until `fd` has `events`, or `deadline`; data already there counts even past the deadline.
bool WaitFor(int fd, short events, Clock::time_point deadline) {
  while (true) {
    pollfd p{fd, events, 0};
    int left = MillisUntil(deadline);
    int n = ::poll(&p, 1, left);
    if (n > 0) return true;  // ready, or HUP/ERR: the read or write says which
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 && left > 0) continue;  // the 60 s cap of one poll
    return false;
  }
}

void IpAndPort(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&addr);
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
    port = ntohs(a->sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&addr);
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
    port = ntohs(a->sin6_port);
  }
  ip = text;
}

// One connection as httplib reads and writes it, with the limits as budgets: every read must happen
// before the request's deadline, the request line and headers may take max_header_bytes, the body
// max_body_bytes (plus chunk framing); a read over a budget or past the deadline fails, and httplib then
// answers 400 or drops the connection.
class ConnectionStream final : public httplib::Stream {
 public:
  // `ssl`: the connection's TLS session after its handshake (the socket is then non-blocking), or null.
  ConnectionStream(socket_t fd, const app::HttpLimits& limits, SSL* ssl = nullptr)
      : fd_(fd), limits_(limits), ssl_(ssl) {}

  // A new request: its deadline, and the header budget starts again.
  void BeginRequest(Clock::time_point deadline) {
    deadline_ = deadline;
    in_headers_ = true;
    header_bytes_ = 0;
    body_bytes_ = 0;
  }
  // The headers are parsed (httplib's setup_request): from here the body budget applies.
  void EndHeaders() { in_headers_ = false; }
  // Waits for the first byte of a request until `until`.
  bool WaitForRequest(Clock::time_point until) const { return Buffered() || WaitFor(fd_, POLLIN, until); }

  bool failed() const { return failed_; }
  void CloseAfterResponse() { close_after_ = true; }
  bool close_after() const { return close_after_; }

  bool is_readable() const override { return Buffered() || WaitFor(fd_, POLLIN, deadline_); }
  bool is_writable() const override { return WaitFor(fd_, POLLOUT, WriteDeadline()); }

  ssize_t read(char* ptr, size_t size) override {
    if (pos_ == len_) {
      ssize_t n = Fill();
      if (n <= 0) return n == 0 ? 0 : Fail();
      pos_ = 0;
      len_ = static_cast<size_t>(n);
    }
    size_t n = std::min(size, len_ - pos_);
    if (in_headers_) {
      header_bytes_ += n;
      if (header_bytes_ > static_cast<size_t>(limits_.max_header_bytes)) return Fail();
    } else {
      body_bytes_ += n;
      // Chunked bodies carry their framing: a chunk-size line per chunk, allowed for on top of the limit.
      if (body_bytes_ > static_cast<size_t>(limits_.max_body_bytes) + 64 * 1024) return Fail();
    }
    std::memcpy(ptr, buffer_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (ssl_) return TlsWrite(ptr, size);
    if (!WaitFor(fd_, POLLOUT, WriteDeadline())) return Fail();
    ssize_t n;
    do {
      n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? Fail() : n;
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) IpAndPort(addr, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0) IpAndPort(addr, ip, port);
  }
  socket_t socket() const override { return fd_; }

 private:
  // Bytes read but not taken yet: in our buffer, or decrypted and held by the TLS session.
  bool Buffered() const { return pos_ < len_ || (ssl_ && SSL_pending(ssl_) > 0); }

  // Reads into buffer_ by the request's deadline: > 0 bytes, 0 at the end of the stream, < 0 on failure.
  ssize_t Fill() {
    if (!ssl_) {
      if (!WaitFor(fd_, POLLIN, deadline_)) return -1;
      ssize_t n;
      do {
        n = ::recv(fd_, buffer_, sizeof buffer_, 0);
      } while (n < 0 && errno == EINTR);
      return n;
    }
    while (true) {
      ERR_clear_error();
      int n = SSL_read(ssl_, buffer_, sizeof buffer_);
      if (n > 0) return n;
      int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_ZERO_RETURN) return 0;
      if (err == SSL_ERROR_WANT_READ && WaitFor(fd_, POLLIN, deadline_)) continue;
      if (err == SSL_ERROR_WANT_WRITE && WaitFor(fd_, POLLOUT, deadline_)) continue;
      return -1;
    }
  }

  ssize_t TlsWrite(const char* ptr, size_t size) {
    Clock::time_point deadline = WriteDeadline();
    while (true) {
      ERR_clear_error();
      int n = SSL_write(ssl_, ptr, static_cast<int>(std::min<size_t>(size, 1 << 30)));
      if (n > 0) return n;
      int err = SSL_get_error(ssl_, n);
      if (err == SSL_ERROR_WANT_WRITE && WaitFor(fd_, POLLOUT, deadline)) continue;
      if (err == SSL_ERROR_WANT_READ && WaitFor(fd_, POLLIN, deadline)) continue;
      return Fail();
    }
  }

  ssize_t Fail() {
    failed_ = true;
    return -1;
  }
  Clock::time_point WriteDeadline() const { return Clock::now() + std::chrono::seconds(limits_.write_timeout_secs); }

  socket_t fd_;
  const app::HttpLimits& limits_;
  SSL* ssl_;
  Clock::time_point deadline_{};
  bool in_headers_ = true;
  size_t header_bytes_ = 0;
  size_t body_bytes_ = 0;
  bool failed_ = false;
  bool close_after_ = false;
  char buffer_[4096];
  size_t pos_ = 0;
  size_t len_ = 0;
};

// worker_threads threads; a connection is admitted while fewer than max_connections are served or waiting,
// else refused at once on the caller's (the listener's) thread.
class BoundedTaskQueue final : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(size_t threads, size_t max_connections) : max_connections_(max_connections) {
    for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Work(); });
  }

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard lock(mu_);
      if (!shutdown_ && busy_ + jobs_.size() < max_connections_) {
        jobs_.push_back(Job{std::move(fn), Clock::now()});
        cv_.notify_one();
        return;
      }
    }
    t_refuse = true;
    fn();  // the server's connection job: refuses and closes the socket
    t_refuse = false;
  }

  void shutdown() override {
    {
      std::lock_guard lock(mu_);
      shutdown_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }

 private:
  struct Job {
    std::function<void()> fn;
    Clock::time_point accepted_at;
  };

  void Work() {
    while (true) {
      Job job;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return shutdown_ || !jobs_.empty(); });
        if (jobs_.empty()) return;  // shutting down, nothing left
        job = std::move(jobs_.front());
        jobs_.pop_front();
        ++busy_;
      }
      t_accepted_at = job.accepted_at;
      job.fn();
      std::lock_guard lock(mu_);
      --busy_;
    }
  }

  const size_t max_connections_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  size_t busy_ = 0;
  bool shutdown_ = false;
  std::vector<std::thread> threads_;
};

bool HasBody(const httplib::Request& req) {
  if (req.has_header("Transfer-Encoding")) return true;
  std::string length = req.get_header_value("Content-Length");
  return !length.empty() && length != "0";
}

void SetText(httplib::Response& res, int status, const std::string& text) {
  res.status = status;
  res.set_content(text + "\n", "text/plain; charset=utf-8");
}

}  // namespace

BoundedServer::BoundedServer(const app::HttpLimits& limits) : limits_(limits) {
  new_task_queue = [this] {
    return new BoundedTaskQueue(static_cast<size_t>(limits_.worker_threads),
                                static_cast<size_t>(limits_.max_connections));
  };
  // What httplib still reads of these: the socket timeouts it sets at accept (a backstop under the
  // stream's own deadlines), the Keep-Alive header it sends, and its own body check.
  set_read_timeout(limits_.request_timeout_secs, 0);
  set_write_timeout(limits_.write_timeout_secs, 0);
  set_keep_alive_timeout(limits_.idle_timeout_secs);
  set_keep_alive_max_count(static_cast<size_t>(limits_.keep_alive_max_requests));
  set_payload_max_length(static_cast<size_t>(limits_.max_body_bytes));

  auto refuse = [this](const httplib::Request& req, httplib::Response& res) {
    auto status = Refusal(req);
    if (!status) return false;
    const char* why = *status == 404   ? "no such path"
                      : *status == 405 ? "method not allowed here"
                      : *status == 413 ? "request body too large (serve.http.max_body_bytes)"
                                       : "bad request";
    SetText(res, *status, why);
    if (HasBody(req) && t_stream) {
      // The body is not read: the connection cannot carry another request.
      res.set_header("Connection", "close");
      t_stream->CloseAfterResponse();
    }
    return true;
  };
  set_expect_100_continue_handler(
      [refuse](const httplib::Request& req, httplib::Response& res) { return refuse(req, res) ? res.status : 100; });
  set_pre_routing_handler([refuse](const httplib::Request& req, httplib::Response& res) {
    return refuse(req, res) ? HandlerResponse::Handled : HandlerResponse::Unhandled;
  });
  set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    core::LogError("HTTP " + req.method + " " + req.path + ": " + what);
    SetText(res, 500, "internal error (see the daemon's log)");
  });
}

void BoundedServer::Route(const std::string& method, const std::string& pattern, Handler handler) {
  routes_.push_back(RouteEntry{method, std::regex(pattern)});
  if (method == "GET") {
    Get(pattern, std::move(handler));
  } else if (method == "POST") {
    Post(pattern, std::move(handler));
  } else if (method == "PUT") {
    Put(pattern, std::move(handler));
  } else if (method == "PATCH") {
    Patch(pattern, std::move(handler));
  } else if (method == "DELETE") {
    Delete(pattern, std::move(handler));
  } else {
    throw std::logic_error("BoundedServer::Route: unsupported method " + method);
  }
}

std::optional<int> BoundedServer::Refusal(const httplib::Request& req) const {
  // The size first: a body over the limit is refused whatever it is sent to.
  if (req.has_header("Content-Length")) {
    std::string text = req.get_header_value("Content-Length");
    uint64_t length = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), length);
    if (ec != std::errc() || end != text.data() + text.size()) return 400;
    if (length > static_cast<uint64_t>(limits_.max_body_bytes)) return 413;
  }
  bool path_known = false;
  bool method_taken = false;
  for (const auto& r : routes_) {
    if (!std::regex_match(req.path, r.pattern)) continue;
    path_known = true;
    if (r.method == req.method || (r.method == "GET" && req.method == "HEAD")) method_taken = true;
  }
  if (!path_known) return 404;
  if (!method_taken) return 405;
  return std::nullopt;
}

bool BoundedServer::ClientGone() {
  if (t_stream == nullptr) return false;
  pollfd p{t_stream->socket(), POLLRDHUP, 0};
  return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
}

std::chrono::steady_clock::time_point BoundedServer::RequestStart() {
  return t_request_start;
}

void BoundedServer::Shutdown() {
  stopping_.store(true);
  stop();
}

BoundedServer::~BoundedServer() {
  if (tls_) SSL_CTX_free(tls_);
}

namespace {

// The OpenSSL error queue as text ("error:0A000086:SSL routines::certificate verify failed"), emptied.
std::string OpenSslErrors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    if (!out.empty()) out += "; ";
    out += text;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

}  // namespace

core::Status BoundedServer::EnableTls(const std::string& cert_file, const std::string& key_file) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return core::Fail(core::ErrorKind::kInternal, "TLS: " + OpenSslErrors());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  auto fail = [&](const std::string& what) {
    std::string why = OpenSslErrors();
    SSL_CTX_free(ctx);
    return core::Fail(core::ErrorKind::kConfig, what + ": " + why);
  };
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    return fail("serve.tls.cert: cannot use " + cert_file + " as a PEM certificate chain");
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return fail("serve.tls.key: cannot use " + key_file + " as a PEM private key (unencrypted)");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    return fail("serve.tls: the key " + key_file + " does not belong to the certificate " + cert_file);
  }
  if (tls_) SSL_CTX_free(tls_);
  tls_ = ctx;
  return core::Ok();
}

// The TLS handshake of an accepted connection, by `deadline`, on the socket made non-blocking: the session,
// or null (the client is not speaking TLS, or too slowly; it is logged at debug level).
SSL* BoundedServer::Handshake(socket_t sock, Clock::time_point deadline) {
  int flags = ::fcntl(sock, F_GETFL, 0);
  if (flags < 0 || ::fcntl(sock, F_SETFL, flags | O_NONBLOCK) < 0) return nullptr;
  SSL* ssl = SSL_new(tls_);
  if (!ssl) return nullptr;
  SSL_set_fd(ssl, sock);
  while (true) {
    ERR_clear_error();
    int r = SSL_accept(ssl);
    if (r == 1) return ssl;
    int err = SSL_get_error(ssl, r);
    if (err == SSL_ERROR_WANT_READ && WaitFor(sock, POLLIN, deadline)) continue;
    if (err == SSL_ERROR_WANT_WRITE && WaitFor(sock, POLLOUT, deadline)) continue;
    core::LogDebug("HTTP server: TLS handshake failed: " + OpenSslErrors());
    SSL_free(ssl);
    return nullptr;
  }
}

void BoundedServer::Refuse(socket_t sock) {
  // On the listener's thread: never block. The client may see the 503 or a reset (over TLS: a reset).
  static const char kBusy[] =
      "HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nRetry-After: 1\r\nContent-Type: text/plain\r\n"
      "Content-Length: 50\r\n\r\ntoo many connections (serve.http.max_connections)\n";
  if (!tls_) (void)!::send(sock, kBusy, sizeof kBusy - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  uint64_t total = refused_.fetch_add(1) + 1;
  std::lock_guard lock(log_mu_);
  auto now = Clock::now();
  if (now - last_refusal_log_ < 60s) return;
  core::LogWarn(fmt::format("HTTP server: {} connection(s) refused: serve.http.max_connections ({}) are open",
                            total - refused_logged_, limits_.max_connections));
  last_refusal_log_ = now;
  refused_logged_ = total;
}

bool BoundedServer::process_and_close_socket(socket_t sock) {
  if (t_refuse || stopping_.load()) {
    Refuse(sock);
    return false;
  }
  // Answers go out at once: without TCP_NODELAY a response written in two sends (headers, body) waits
  // for the client's delayed ACK of the first, 40 ms on Linux, on every request of a keep-alive connection.
  int one = 1;
  (void)::setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const auto request_timeout = std::chrono::seconds(limits_.request_timeout_secs);
  const auto idle_timeout = std::chrono::seconds(limits_.idle_timeout_secs);
  // The first request's time runs from the accept: time spent waiting for a worker counts.
  Clock::time_point wait_start = t_accepted_at == Clock::time_point{} ? Clock::now() : t_accepted_at;
  // Over TLS the handshake comes first, within the first request's time.
  SSL* ssl = nullptr;
  if (tls_) {
    ssl = Handshake(sock, wait_start + request_timeout);
    if (!ssl) {
      ::shutdown(sock, SHUT_RDWR);
      ::close(sock);
      return false;
    }
    wait_start = Clock::now();
  }
  ConnectionStream strm(sock, limits_, ssl);
  t_stream = &strm;
  bool ok = true;
  for (int64_t served = 0; served < limits_.keep_alive_max_requests && !stopping_.load(); ++served) {
    if (!strm.WaitForRequest(std::min(wait_start + idle_timeout, wait_start + request_timeout))) break;
    strm.BeginRequest(wait_start + request_timeout);
    bool closed = false;
    bool last = served + 1 == limits_.keep_alive_max_requests || stopping_.load();
    ok = process_request(strm, last, closed, [&strm](httplib::Request&) {
      strm.EndHeaders();
      t_request_start = Clock::now();
    });
    if (!ok || closed || strm.failed() || strm.close_after()) break;
    wait_start = Clock::now();
  }
  t_stream = nullptr;
  if (ssl) {
    // Tell the client the session ends (best effort: the socket is non-blocking), then free it.
    ERR_clear_error();
    (void)SSL_shutdown(ssl);
    SSL_free(ssl);
  }
  if (strm.close_after()) {
    // A refused request's body is still arriving: stop sending, take a little of it so that the client
    // can read the answer before the close (a close with unread data resets the connection), then close.
    ::shutdown(sock, SHUT_WR);
    auto until = Clock::now() + 200ms;
    char sink[16 * 1024];
    size_t drained = 0;
    while (drained < 256 * 1024 && WaitFor(sock, POLLIN, until)) {
      ssize_t n = ::recv(sock, sink, sizeof sink, MSG_DONTWAIT);
      if (n <= 0) break;
      drained += static_cast<size_t>(n);
    }
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace datasync::api
