#include "app/config_parser.hpp"
#include "core/secrets.hpp"

namespace datasync::app {

void ConfigParser::ParseServe(const YAML::Node& n) {
  if (!RequireMap(n, "serve")) return;
  CheckKeys(n, "serve",
            {"listen", "max_parallel_runs", "shutdown_timeout_secs", "http", "auth", "allow_insecure", "tls"});
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
  if (auto v = n["auth"]) ParseAuth(v);
  if (auto v = n["allow_insecure"]) {
    if (auto b = Bool(v, "serve.allow_insecure")) config_.serve.allow_insecure = *b;
  }
  if (auto v = n["tls"]) ParseTls(v);
  const std::string& listen = config_.serve.listen;
  if (listen != "off" && !config_.serve.allow_insecure && !config_.serve.tls.enabled()) {
    auto hp = SplitHostPort(listen);
    if (hp && !IsLoopbackHost(hp->first)) {
      Error(n["listen"] ? n["listen"].Mark() : n.Mark(),
            "serve.listen: " + Quote(listen) +
                " is not a loopback address, and the web app and its sign-in would travel as plain HTTP; give "
                "serve.tls a cert and key, or listen on 127.0.0.1 behind a TLS proxy, or set "
                "serve.allow_insecure: true if the network is trusted");
    }
  }
}

void ConfigParser::ParseTls(const YAML::Node& n) {
  if (!RequireMap(n, "serve.tls")) return;
  CheckKeys(n, "serve.tls", {"cert", "key"});
  TlsSettings tls;
  for (auto [k, out] : {std::pair{"cert", &tls.cert}, std::pair{"key", &tls.key}}) {
    auto v = n[k];
    if (!v) {
      Error(n.Mark(), std::string("serve.tls: missing required key '") + k +
                          (std::string(k) == "cert" ? "' (the PEM certificate chain)" : "' (the PEM private key)"));
      continue;
    }
    auto s = Str(v, std::string("serve.tls.") + k);
    if (!s) continue;
    if (s->empty()) {
      Error(v.Mark(), std::string("serve.tls.") + k + ": empty path");
      continue;
    }
    std::filesystem::path p(*s);
    *out = (p.is_absolute() ? p : config_.project_dir / p).lexically_normal().string();
  }
  if (!tls.cert.empty() && !tls.key.empty()) config_.serve.tls = tls;
}

void ConfigParser::ParseAuth(const YAML::Node& n) {
  if (!RequireMap(n, "serve.auth")) return;
  CheckKeys(n, "serve.auth", {"tokens"});
  const YAML::Node list = n["tokens"];
  if (!list) return;
  if (!list.IsSequence()) {
    Error(list.Mark(), "serve.auth.tokens: expected a list of {name, role, token}");
    return;
  }
  int i = 0;
  for (const auto& item : list) {
    std::string path = "serve.auth.tokens[" + std::to_string(i++) + "]";
    if (!RequireMap(item, path)) continue;
    CheckKeys(item, path, {"name", "role", "token"});
    AuthToken t;
    TextKey(item, path, "name", t.name);
    TextKey(item, path, "role", t.role);
    if (auto v = item["token"]) {
      if (auto s = Str(v, path + ".token")) {
        t.token = *s;
        if (!core::IsSecretReference(t.token)) {
          Error(v.Mark(), path +
                              ".token: write a ${ENV_VAR} reference; a token written in the file would be "
                              "readable by anyone who can read the file");
        }
      }
    }
    auto at = [&](const char* key) { return item[key] ? item[key].Mark() : item.Mark(); };
    if (t.name.empty() || !IsTokenName(t.name)) {
      Error(at("name"),
            path + ".name: " + Quote(t.name) + " is not a token name (1-64 letters, digits, '_', '-', '.', '@')");
    }
    if (t.role != "viewer" && t.role != "operator") {
      Error(at("role"), path + ".role: " + Quote(t.role) + " is not a role (viewer, operator)");
    }
    if (t.token.empty()) Error(item.Mark(), path + ": token is required (a ${ENV_VAR} reference)");
    for (const auto& other : config_.serve.auth_tokens) {
      if (other.name == t.name) Error(at("name"), path + ".name: " + Quote(t.name) + " is given twice");
    }
    config_.serve.auth_tokens.push_back(std::move(t));
  }
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
