// The simulator's configuration. StartupConfig is fixed for the process (flags only); RuntimeConfig can
// also be replaced through POST /_sim/config. Both are plain values: SimServer shares a RuntimeConfig
// between threads as an immutable snapshot (std::shared_ptr<const RuntimeConfig>) and swaps in a new one
// on change, so readers never lock for long and never see a half-applied update.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "data_modes.hpp"
#include "json_writer.hpp"
#include "sim_clock.hpp"

namespace datasync::vendorsim {

enum class RateLimitStyle { kOld, kNew };
enum class TruncateMode { kClose, kShort };

// Per (token, api) call limits; 0 = unlimited.
struct WindowLimits {
  int64_t per_minute = 0;
  int64_t per_hour = 0;
  int64_t per_day = 0;
};

// An --api-limit override; an unset window falls back to the global limit.
struct ApiLimitOverride {
  std::optional<int64_t> per_minute;
  std::optional<int64_t> per_hour;
  std::optional<int64_t> per_day;
};

struct FaultConfig {
  double fail_5xx = 0;
  double slow = 0;
  int64_t slow_ms = 1000;
  double truncate = 0;
  TruncateMode truncate_mode = TruncateMode::kClose;
  double internal_error = 0;
  uint64_t seed = 7;
};

// The concurrency-sensitive answer time (see server_load.hpp): every accepted data call waits
// latency_ms + contention_ms × max(0, calls in flight − scale_limit) before its answer.
struct LoadModel {
  int64_t latency_ms = 0;
  int64_t contention_ms = 0;
  int64_t scale_limit = 1;  // at least 1
};

struct RuntimeConfig {
  std::set<std::string> tokens{"demo-token"};
  std::set<std::string> no_permission{"fund_daily"};
  WindowLimits limits;
  std::map<std::string, ApiLimitOverride> api_limits;
  RateLimitStyle rate_limit_style = RateLimitStyle::kOld;
  FaultConfig faults;
  LoadModel load;
  JsonStyle json_style = JsonStyle::kCompact;
  size_t row_cap = 6000;
  bool gzip = false;
  // The vendor changed its schema: daily gains a field (vwap), trade_cal's integer is_open is sent as a
  // float, and the doc pages say so (see data_apis.hpp, doc_pages.hpp).
  bool schema_change = false;
  // The vendor quotes the caller's token in every error message of the data API (see data_endpoint.cpp).
  bool echo_token = false;
  // Hostile data [sim] (see bad_values.hpp): row 0's value of `bad_value_field` in every answer that has
  // that field is sent as "huge_int" (2^70, a bare number) or "invalid_utf8" (its text with a 0xFF byte);
  // "" = off. Every answer also lists `extra_field` (a name with any characters; "" = none) with "x" in
  // every row.
  std::string bad_value;
  std::string bad_value_field;
  std::string extra_field;
  // Doc pages end with this many unclosed <div>s, a hostile page (see doc_routes.cpp); 0 = off.
  int64_t doc_nesting = 0;
  // Revisions, holes and bad rows in the bar apis' data [sim] (see data_modes.hpp); empty lists = off.
  DataModes data_modes;

  WindowLimits LimitsFor(std::string_view api) const;
};

struct StartupConfig {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string port_file;
  size_t stocks = 500;
  uint64_t seed = 42;
  int calendar_first_day = 0;
  int calendar_last_day = 0;
  ClockMode clock_mode = ClockMode::kReal;
  std::string clock_file;  // kFile
  int64_t start_epoch_ms = 0;
  int threads = 32;
  bool serve_future = false;
};

// "daily:minute=200" or "daily:minute=200,hour=5000,day=100000" → (api, override); error text on failure.
bool ParseApiLimit(std::string_view spec, std::string& api, ApiLimitOverride& limits, std::string& error);

// GET /_sim/config: both halves as one JSON object.
std::string ConfigJson(const StartupConfig& startup, const RuntimeConfig& runtime);

std::string_view JsonStyleName(JsonStyle style);
std::string_view RateLimitStyleName(RateLimitStyle style);
std::string_view TruncateModeName(TruncateMode mode);

}  // namespace datasync::vendorsim
