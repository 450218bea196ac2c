#include "app/config_parser.hpp"

namespace datasync::app {

void ConfigParser::ParseServe(const YAML::Node& n) {
  if (!RequireMap(n, "serve")) return;
  CheckKeys(n, "serve", {"listen", "max_parallel_runs", "shutdown_timeout_secs", "http"});
  if (auto v = n["listen"]) {
    if (auto l = Str(v, "serve.listen")) {
      config_.serve.listen = *l;
      if (*l != "off" && !SplitHostPort(*l)) {
        Error(v.Mark(), "serve.listen: " + Quote(*l) + " is not HOST:PORT (e.g. 127.0.0.1:9470), or off");
      }
    }
  }
  if (auto v = n["max_parallel_runs"]) {
    if (auto x = PositiveInt(v, "serve.max_parallel_runs", 64)) config_.serve.max_parallel_runs = *x;
  }
  if (auto v = n["shutdown_timeout_secs"]) {
    if (auto x = PositiveInt(v, "serve.shutdown_timeout_secs", 3600)) config_.serve.shutdown_timeout_secs = *x;
  }
  if (auto v = n["http"]) ParseHttpLimits(v);
}

void ConfigParser::ParseHttpLimits(const YAML::Node& n) {
  if (!RequireMap(n, "serve.http")) return;
  HttpLimits& h = config_.serve.http;
  struct Key {
    const char* name;
    int64_t* field;
    int64_t max;
  };
  const Key keys[] = {
      {"max_connections", &h.max_connections, 10'000},
      {"worker_threads", &h.worker_threads, 256},
      {"max_body_bytes", &h.max_body_bytes, int64_t{1} << 30},
      {"max_header_bytes", &h.max_header_bytes, 1024 * 1024},
      {"request_timeout_secs", &h.request_timeout_secs, 3600},
      {"idle_timeout_secs", &h.idle_timeout_secs, 3600},
      {"write_timeout_secs", &h.write_timeout_secs, 3600},
      {"keep_alive_max_requests", &h.keep_alive_max_requests, 1'000'000},
  };
  std::vector<std::string> allowed;
  for (const auto& k : keys) allowed.push_back(k.name);
  CheckKeys(n, "serve.http", allowed);
  for (const auto& k : keys) {
    if (auto v = n[k.name]) {
      if (auto x = PositiveInt(v, std::string("serve.http.") + k.name, k.max)) *k.field = *x;
    }
  }
  if (h.max_connections < h.worker_threads) {
    Error(n.Mark(), "serve.http: max_connections (" + std::to_string(h.max_connections) +
                        ") must be at least worker_threads (" + std::to_string(h.worker_threads) +
                        "): each thread serves one connection");
  }
}

}  // namespace datasync::app
