// DataApis: the simulated Tushare endpoints (trade_cal, stock_basic, daily, adj_factor, daily_basic,
// fund_daily). For an accepted call it validates params and fields and renders the whole response body
// (success envelope with rows, or a -2001 business error) straight into a string with JsonWriter. The bar
// apis' rows meet the runtime config's data modes (holes, revisions, bad rows; data_modes.hpp) on the way.
// Rate limits, tokens, permissions and faults are decided before, by SimServer. Immutable after
// construction: Serve is thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "json_writer.hpp"
#include "market_data.hpp"

namespace datasync::vendorsim {

struct DataModes;

// One request param as it arrived: scalars as text (numbers in their JSON spelling), anything else
// (bool, object, array) as its JSON text with scalar = false, which every typed read rejects.
struct ParamValue {
  std::string text;
  bool scalar = true;
};
using Params = std::unordered_map<std::string, ParamValue>;

struct ApiRequest {
  std::string api_name;
  Params params;                    // null and "" values are left out: Tushare treats them as not given
  std::vector<std::string> fields;  // empty = the API's default fields
};

struct ServeOptions {
  JsonStyle style = JsonStyle::kCompact;
  size_t row_cap = 6000;
  int published_through_day = 0;  // the last trading day whose bars exist yet
  std::string_view request_id;
  bool schema_change = false;             // RuntimeConfig::schema_change: SchemaChangedFields() instead of Fields()
  std::string_view error_suffix;          // appended to the msg of a -2001 error (RuntimeConfig::echo_token)
  const DataModes* data_modes = nullptr;  // RuntimeConfig::data_modes; null = none
  int64_t now_ms = 0;                     // the simulator's clock when the call is answered (revisions' `after`)
};

inline constexpr int kCodeOk = 0;
inline constexpr int kCodeInvalidArgument = -2001;

class DataApis {
 public:
  explicit DataApis(const MarketData& market) : market_(market) {}

  static const std::vector<std::string_view>& ApiNames();
  static bool Knows(std::string_view api_name);
  // The API's output fields, in wire order.
  static const std::vector<std::string_view>& Fields(std::string_view api_name);
  // The fields after the vendor's schema change (daily gains vwap at the end; the others are unchanged).
  static const std::vector<std::string_view>& SchemaChangedFields(std::string_view api_name);
  // The apis whose rows are (stock, trade day) bars with numeric values: daily, adj_factor, daily_basic.
  static const std::vector<std::string_view>& BarApiNames();

  // Renders the response body of an accepted call into `out` (appending); returns its business code
  // (kCodeOk, or kCodeInvalidArgument for an unknown field or a bad param value). The api must be one
  // Knows() accepts (std::invalid_argument otherwise).
  int Serve(const ApiRequest& request, const ServeOptions& options, std::string& out) const;

 private:
  const MarketData& market_;
};

// `{"request_id":…,"code":…,"msg":…,"data":null}` in the given style.
void WriteErrorBody(std::string& out, JsonStyle style, std::string_view request_id, int code, std::string_view msg);

}  // namespace datasync::vendorsim
