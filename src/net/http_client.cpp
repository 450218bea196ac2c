#include "net/http_client.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>

#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::net {

namespace {

// Spare bytes kept past the end of every response body: simdjson reads up to 64 bytes beyond the
// document and parses in place only when the buffer's capacity covers them (otherwise it copies).
constexpr size_t kBodyPadding = 64;

// curl_global_init is not thread-safe and must run before any other curl call; once per process.
// curl_global_cleanup is never called: handles may outlive static destruction order, and the OS
// reclaims everything at exit.
void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// What a message may show of a URL: scheme, host and path. The query string is dropped because
// some vendors put credentials there; registered secrets are redacted first, so that the cut cannot
// leave part of one.
std::string UrlForMessage(std::string_view url) {
  std::string redacted = core::Redact(url);
  redacted.resize(std::min(redacted.size(), redacted.find_first_of("?#")));
  return redacted;
}

core::ErrorKind ClassifyCurlCode(CURLcode code) {
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED: return core::ErrorKind::kConfig;
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PROXY:
    case CURLE_AGAIN:
    case CURLE_BAD_CONTENT_ENCODING:  // a gzip stream cut short looks like this
    case CURLE_WEIRD_SERVER_REPLY: return core::ErrorKind::kTransient;
    case CURLE_OUT_OF_MEMORY:
    case CURLE_BAD_FUNCTION_ARGUMENT: return core::ErrorKind::kInternal;
    default: return core::ErrorKind::kPermanent;
  }
}

std::string Advice(CURLcode code) {
  switch (code) {
    case CURLE_PEER_FAILED_VERIFICATION:
      return "; the server's TLS certificate could not be verified: if it is signed by a private CA, "
             "set the CA file (ca_file) to that CA's PEM; do not turn verification off for a public endpoint";
    case CURLE_SSL_CACERT_BADFILE:
      return "; the configured CA file could not be read: check that ca_file points to a readable PEM file";
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH: return "; the server's public key does not match the pinned key";
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL: return "; check the endpoint URL in the configuration (http:// or https://)";
    case CURLE_COULDNT_RESOLVE_HOST: return "; check the host name and the network's DNS";
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_PROXY: return "; check the proxy settings (options.proxy or the http_proxy/https_proxy environment)";
    default: return "";
  }
}

// Accumulates one response. Reset for each transfer attempt inside a Send.
struct Transfer {
  HttpResponse* response;
  size_t max_body;
  bool too_large = false;       // the body grew past max_body: the write callback stopped the transfer
  int64_t content_length = -1;  // as the server announced it (for the message), -1 when absent
  // An exception thrown inside a callback: it must not unwind through libcurl's C frames, so it is kept
  // here, the callback returns short (libcurl then aborts the transfer), and Send rethrows it.
  std::exception_ptr failure;
};

// libcurl treats any return other than `size * nmemb` as an error (CURLE_WRITE_ERROR).
constexpr size_t kAbortTransfer = 0;

size_t WriteBody(char* data, size_t size, size_t nmemb, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  try {
    std::string& body = t->response->body;
    // body.size() never exceeds max_body, so the subtraction cannot wrap.
    if (n > t->max_body - body.size()) {
      t->too_large = true;
      return kAbortTransfer;
    }
    if (body.capacity() < body.size() + n + kBodyPadding) {
      size_t grown = std::max(body.capacity() * 2, body.size() + n + kBodyPadding);
      body.reserve(std::min(grown, t->max_body + kBodyPadding));
    }
    body.append(data, n);
    return n;
  } catch (...) {
    t->failure = std::current_exception();
    return kAbortTransfer;
  }
}

size_t WriteHeader(char* data, size_t size, size_t nmemb, void* user) noexcept {
  auto* t = static_cast<Transfer*>(user);
  size_t n = size * nmemb;
  try {
    std::string_view line(data, n);
    // A status line starts a new header block (after a 100 Continue or a followed redirect): only the
    // final response's headers are kept.
    if (line.starts_with("HTTP/")) {
      t->response->headers.clear();
      t->content_length = -1;
      return n;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return n;
    std::string name = core::ToLower(core::Trim(line.substr(0, colon)));
    std::string value(core::Trim(line.substr(colon + 1)));
    if (name == "content-length") {
      if (auto len = core::ParseInt64(value); len && *len > 0) {
        t->content_length = *len;
        // The announced length is the server's word, not a measurement: never reserve more than the limit
        // (a larger announcement is refused by CURLOPT_MAXFILESIZE_LARGE before any body arrives).
        size_t reserve = std::min<uint64_t>(static_cast<uint64_t>(*len), t->max_body);
        t->response->body.reserve(reserve + kBodyPadding);
      }
    }
    t->response->headers.emplace_back(std::move(name), std::move(value));
    return n;
  } catch (...) {
    t->failure = std::current_exception();
    return kAbortTransfer;
  }
}

// "1 MiB (1048576 bytes)": a limit as an operator reads it.
std::string LimitText(size_t bytes) {
  std::string exact = std::to_string(bytes) + " bytes";
  if (bytes >= kMiB && bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB (" + exact + ")";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB (" + exact + ")";
  return exact;
}

core::Error BodyTooLarge(const std::string& what, const Transfer& t) {
  std::string message = what + ": the response body is larger than this request's limit of " + LimitText(t.max_body) +
                        " (decoded, after gzip/br/zstd)";
  if (t.content_length > 0) message += "; the server announced Content-Length " + std::to_string(t.content_length);
  message +=
      "; the transfer was stopped there. A wrong endpoint, a proxy's error page or a hostile server answers "
      "like this: check the URL; if the server really sends this much, ask for less per request (fewer "
      "dates, rows or fields per call)";
  return core::Error(core::ErrorKind::kPermanent, core::Redact(message)).WithCode("http:body_too_large");
}

struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Slist = std::unique_ptr<curl_slist, SlistDeleter>;

bool AppendHeader(Slist& list, const std::string& line) {
  // curl returns the list's head (new on the first append) or nullptr, leaving the list untouched.
  curl_slist* head = curl_slist_append(list.get(), line.c_str());
  if (head == nullptr) return false;
  (void)list.release();
  list.reset(head);
  return true;
}

}  // namespace

std::string_view HttpResponse::Header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k == name) return v;
  }
  return {};
}

struct HttpClient::Impl {
  explicit Impl(HttpClientOptions o) : options(std::move(o)) {
    GlobalInitOnce();
    if (options.max_connections == 0) options.max_connections = 1;
    share = curl_share_init();
    curl_share_setopt(share, CURLSHOPT_LOCKFUNC, &Impl::Lock);
    curl_share_setopt(share, CURLSHOPT_UNLOCKFUNC, &Impl::Unlock);
    curl_share_setopt(share, CURLSHOPT_USERDATA, this);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }

  ~Impl() {
    // Easy handles first: each one still references the share.
    for (CURL* h : idle) curl_easy_cleanup(h);
    curl_share_cleanup(share);
  }

  // The share's data is touched from whichever thread runs a transfer; curl asks for a lock per data
  // kind, so one mutex per kind keeps DNS lookups from waiting on the connection cache.
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_locks[static_cast<size_t>(data) % kLockSlots].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<Impl*>(user)->share_locks[static_cast<size_t>(data) % kLockSlots].unlock();
  }

  // Waits for a free slot (at most max_connections transfers run at once), then hands out an idle
  // easy handle or a new one. Handles are reused so their buffers and settings are not rebuilt.
  CURL* Acquire() {
    std::unique_lock lock(mu);
    slot_free.wait(lock, [&] { return in_flight < options.max_connections; });
    ++in_flight;
    if (!idle.empty()) {
      CURL* h = idle.back();
      idle.pop_back();
      return h;
    }
    lock.unlock();
    CURL* h = curl_easy_init();
    if (h == nullptr) {
      lock.lock();
      --in_flight;
      slot_free.notify_one();
    }
    return h;
  }

  void Release(CURL* h) {
    {
      std::lock_guard lock(mu);
      idle.push_back(h);
      --in_flight;
    }
    slot_free.notify_one();
  }

  static constexpr size_t kLockSlots = CURL_LOCK_DATA_LAST;

  HttpClientOptions options;
  CURLSH* share = nullptr;
  std::array<std::mutex, kLockSlots> share_locks;

  std::mutex mu;
  std::condition_variable slot_free;
  size_t in_flight = 0;
  std::vector<CURL*> idle;
};

HttpClient::HttpClient(HttpClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
HttpClient::~HttpClient() = default;

const HttpClientOptions& HttpClient::options() const {
  return impl_->options;
}

core::Result<HttpResponse> HttpClient::Send(const HttpRequest& request) {
  const HttpClientOptions& opt = impl_->options;
  const std::string what = request.method + " " + UrlForMessage(request.url);

  CURL* h = impl_->Acquire();
  if (h == nullptr) return core::Fail(core::ErrorKind::kInternal, what + ": curl_easy_init failed");
  struct Lease {
    Impl* impl;
    CURL* h;
    ~Lease() { impl->Release(h); }
  } lease{impl_.get(), h};

  // Reset clears every option of the previous request but keeps the handle's caches; the share
  // (connections, DNS, TLS sessions) is set again below.
  curl_easy_reset(h);

  HttpResponse response;
  Transfer transfer{&response, request.max_body_bytes};
  char error_buffer[CURL_ERROR_SIZE] = {0};

  Slist headers;
  for (const auto& [k, v] : request.headers) {
    if (!AppendHeader(headers, k + ": " + v)) {
      return core::Fail(core::ErrorKind::kInternal, what + ": out of memory for headers");
    }
  }
  // curl sends "Expect: 100-continue" for large bodies and then waits a round trip; vendors answer
  // directly, so the wait only adds latency.
  if (!AppendHeader(headers, "Expect:")) {
    return core::Fail(core::ErrorKind::kInternal, what + ": out of memory for headers");
  }

  auto timeout = request.timeout.count() > 0 ? request.timeout : opt.timeout;
  auto connect_timeout = request.connect_timeout.count() > 0 ? request.connect_timeout : opt.connect_timeout;

  curl_easy_setopt(h, CURLOPT_SHARE, impl_->share);
  curl_easy_setopt(h, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  // Redirects are not followed (curl's default): a 3xx reaches the caller as a status, because a
  // followed POST would turn into a GET and a vendor that moved should be reconfigured, not chased.
  // Signals are process-wide and unsafe from worker threads; without this, DNS timeouts use SIGALRM.
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // every encoding this libcurl can decode
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_USERAGENT, opt.user_agent.c_str());
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, opt.verify_tls ? 1L : 0L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, opt.verify_tls ? 2L : 0L);
  if (!opt.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, opt.ca_file.c_str());
  // Without CURLOPT_PROXY, libcurl reads http_proxy/https_proxy/no_proxy from the environment.
  if (!opt.proxy.empty()) curl_easy_setopt(h, CURLOPT_PROXY, opt.proxy.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &transfer);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &transfer);
  // Refuses a Content-Length above the limit before any body is read (the write callback enforces the
  // limit on the decoded bytes as they arrive, for chunked and compressed bodies). Not for HEAD, whose
  // Content-Length describes a body that is never sent.
  if (request.method != "HEAD") {
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_body_bytes));
  }

  const std::string& m = request.method;
  if (m == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else if (m == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else {
    if (m != "POST") curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, m.c_str());
    if (m == "POST" || !request.body.empty()) {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
  }

  CURLcode rc = curl_easy_perform(h);
  // Options point at this frame's buffers; clear the ones a later reset would not reach before the
  // handle goes back to the pool.
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);

  if (transfer.failure) std::rethrow_exception(transfer.failure);
  if (transfer.too_large || rc == CURLE_FILESIZE_EXCEEDED) return core::Fail(BodyTooLarge(what, transfer));
  if (rc != CURLE_OK) {
    std::string detail = error_buffer[0] != '\0' ? std::string(error_buffer) : std::string(curl_easy_strerror(rc));
    core::ErrorKind kind = ClassifyCurlCode(rc);
    std::string message = what + ": " + detail;
    if (rc == CURLE_OPERATION_TIMEDOUT) {
      message += " (timeout " + std::to_string(timeout.count()) + " ms, connect timeout " +
                 std::to_string(connect_timeout.count()) + " ms)";
    }
    message += Advice(rc);
    // The request body never enters a message; curl's own text names hosts and codes only, and
    // redaction catches a secret that reached the URL anyway.
    return core::Fail(core::Error(kind, core::Redact(message)).WithCode("curl:" + std::to_string(rc)));
  }

  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  double total = 0;
  curl_easy_getinfo(h, CURLINFO_TOTAL_TIME, &total);
  response.total_seconds = total;
  return response;
}

}  // namespace datasync::net
