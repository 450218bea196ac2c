// HttpClient: HTTP(S) over libcurl for providers, webhooks and HTTP-speaking sinks.
//
// Thread-safe: any number of threads may call Send at once. Connections are reused through a pool of
// curl easy handles that share one connection cache, DNS cache and TLS session cache; at most
// max_connections requests run at once (more callers wait). Responses are decompressed (gzip/deflate/
// br/zstd, whatever libcurl was built with). Proxies come from the environment (http_proxy, https_proxy,
// no_proxy) unless options.proxy is set.
//
// Errors: Send fails only for transport problems (DNS, connect, TLS, timeout, reset, truncated body)
// and classifies them: timeouts/resets/connect failures -> kTransient; TLS verification or malformed
// URLs -> kPermanent / kConfig. Any HTTP status, including 4xx/5xx, is a successful Send: the caller
// classifies statuses, because only it knows the protocol.
//
// Response size: every request carries max_body_bytes, the most it accepts of the body as decoded (after
// gzip/br/zstd). A Content-Length above it fails before the body is read, a body that grows past it (a
// decompression bomb, an endless chunked stream) is aborted as it crosses it, and no more than the limit
// is ever reserved. Such a Send fails kPermanent with code "http:body_too_large", naming the limit.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace datasync::net {

struct HttpClientOptions {
  size_t max_connections = 8;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds timeout{60'000};
  bool verify_tls = true;
  std::string ca_file;  // empty: system store
  std::string proxy;    // empty: from the environment
  std::string user_agent = "datasync/0.1";
};

inline constexpr size_t kMiB = size_t{1} << 20;
// Body limits for the kinds of answers datasync reads; each caller picks the one for its request.
// Vendor data: Tushare's largest pages (up to ~10,000 rows of up to ~100 fields) are a few MiB to a few tens
// of MiB of JSON, and other vendors' bulk endpoints can be larger, so the limit sits an order of magnitude
// above that; it still stops a bomb or a runaway stream long before memory runs out (a client runs at most
// max_connections transfers at once).
inline constexpr size_t kMaxVendorDataBytes = 256 * kMiB;
// A vendor's HTML doc page is tens to hundreds of KiB.
inline constexpr size_t kMaxDocPageBytes = 16 * kMiB;
// A webhook's answer is read only for its status and a short JSON acknowledgement.
inline constexpr size_t kMaxWebhookAnswerBytes = 1 * kMiB;
// Requests that name no limit (a database's HTTP interface answering metadata queries).
inline constexpr size_t kDefaultMaxBodyBytes = 64 * kMiB;

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, DELETE
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{0};          // 0: the client's default
  std::chrono::milliseconds connect_timeout{0};  // 0: the client's default
  size_t max_body_bytes = kDefaultMaxBodyBytes;  // of the decoded body; beyond it the transfer is aborted
};

struct HttpResponse {
  long status = 0;
  std::string body;  // keeps spare capacity past size() so JSON parsers that need padding read it in place
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  double total_seconds = 0;
  // First header with that (lower-case) name, or "".
  std::string_view Header(std::string_view name) const;
};

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  core::Result<HttpResponse> Send(const HttpRequest& request);

  const HttpClientOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace datasync::net
