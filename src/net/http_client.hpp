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
#pragma once

#include <chrono>
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

struct HttpRequest {
  std::string method = "GET";  // GET, POST, PUT, DELETE
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{0};          // 0: the client's default
  std::chrono::milliseconds connect_timeout{0};  // 0: the client's default
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
