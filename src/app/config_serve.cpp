#include "app/config_parser.hpp"

namespace datasync::app {

void ConfigParser::ParseServe(const YAML::Node& n) {
  if (!RequireMap(n, "serve")) return;
  CheckKeys(n, "serve", {"listen", "max_parallel_runs", "shutdown_timeout_secs"});
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
}

}  // namespace datasync::app
