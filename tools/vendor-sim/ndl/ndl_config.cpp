#include "ndl/ndl_config.hpp"

#include <nlohmann/json.hpp>

namespace datasync::vendorsim::ndl {

std::string NdlConfigJson(const NdlStartup& startup, const NdlRuntime& r) {
  using Json = nlohmann::ordered_json;
  const auto limits = [](const KeyLimits& l) {
    return Json{{"per_10s", l.per_10s}, {"per_10min", l.per_10min}, {"per_day", l.per_day}};
  };
  return Json{{"tickers", startup.tickers},
              {"in_flight", startup.in_flight},
              {"queued", startup.queued},
              {"max_url_chars", startup.max_url_chars},
              {"keys", r.keys},
              {"subscriber_keys", r.subscriber_keys},
              {"key_limits", limits(r.key_limits)},
              {"anonymous_limits", limits(r.anonymous_limits)},
              {"cursor_ttl_secs", r.cursor_ttl_secs},
              {"max_rows", r.max_rows},
              {"no_permission", r.no_permission},
              {"fail_5xx", r.fail_5xx},
              {"slow", r.slow},
              {"slow_ms", r.slow_ms},
              {"fault_seed", r.fault_seed}}
      .dump();
}

}  // namespace datasync::vendorsim::ndl
