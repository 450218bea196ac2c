// Configuration of the Nasdaq Data Link side of the simulator. NdlStartup is fixed for the process (flags
// only); NdlRuntime can also be changed through POST /_sim/ndl/config, all-or-nothing. Plain values:
// NdlState shares the runtime part as an immutable snapshot and swaps in a new one on change.
#pragma once

#include <cstdint>
#include <set>
#include <string>

namespace CLI {
class App;
}

namespace datasync::vendorsim::ndl {

// Calls per window for one caller; 0 = unlimited.
struct KeyLimits {
  int64_t per_10s = 0;
  int64_t per_10min = 0;
  int64_t per_day = 0;
};

struct NdlRuntime {
  std::set<std::string> keys{"ndl-demo-key"};
  // Keys of subscribers: limits answer QELx03/QELx05 instead of QELx02/QELx04.
  std::set<std::string> subscriber_keys;
  KeyLimits key_limits{300, 2000, 50000};
  KeyLimits anonymous_limits{0, 20, 50};
  int64_t cursor_ttl_secs = 600;
  // A first page (no cursor) whose query matches more rows than this is refused with QELx06 [sim];
  // 0 = no cap (the vendor pages any size with cursors).
  int64_t max_rows = 0;
  // Tables ("QSIM/FUND") and databases ("QTS") that every caller is refused (QEPx02).
  std::set<std::string> no_permission;
  // Faults drawn for each accepted call, from (fault_seed, accepted-call number).
  double fail_5xx = 0;
  double slow = 0;
  int64_t slow_ms = 1000;
  uint64_t fault_seed = 11;
};

struct NdlStartup {
  size_t tickers = 1000;
  // The concurrency limit per caller: calls running at once, and calls waiting for one to finish;
  // a call beyond both is rejected.
  int64_t in_flight = 1;
  int64_t queued = 1;
  // A GET whose request target is longer than this is answered QELx07 (the official client switches to
  // POST from 6,300 characters; cpp-httplib itself refuses targets over 8,192).
  size_t max_url_chars = 7000;
};

struct NdlConfig {
  NdlStartup startup;
  NdlRuntime runtime;
};

// Registers the --ndl-… flags on the simulator's command line.
void AddNdlFlags(CLI::App& app, NdlConfig& config, std::string& keys, std::string& subscriber_keys,
                 std::string& no_permission);

// GET /_sim/ndl/config.
std::string NdlConfigJson(const NdlStartup& startup, const NdlRuntime& runtime);

}  // namespace datasync::vendorsim::ndl
