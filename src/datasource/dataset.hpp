// Dataset: one vendor API as a table (ARCHITECTURE §4): its request parameters, its output fields as a
// Schema, its primary key, its date key, and the vendor's per-call row cap. Plain data.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/options.hpp"
#include "core/schema.hpp"
#include "datasource/quality_rule.hpp"

namespace datasync::datasource {

struct RequestParam {
  std::string name;
  std::string type = "str";  // the vendor's type name: str, int, float, date ...
  bool required = false;
  std::string description;

  friend bool operator==(const RequestParam&, const RequestParam&) = default;
};

// Where a dataset's definition lives: datasync.yaml (`apply` creates, updates and removes it) or a vendor
// doc page (`dataset import`; `apply` leaves it alone and `dataset refresh` updates it).
// kApi: made in the web app or the REST API (kept in the system database, app/manage_service.hpp).
enum class DatasetOrigin : uint8_t { kConfig, kImport, kApi };
std::string_view DatasetOriginName(DatasetOrigin o);  // "config", "import", "api"

// How a dataset serves as a trading calendar: one row per (exchange, day) saying whether the exchange
// trades that day. Declared in YAML (`calendar: {date: cal_date, open: is_open, exchange: exchange}`) or
// carried by a provider's built-in catalog entry (Tushare's trade_cal); CalendarMappingOf (provider.hpp)
// finds it. The schedule's day rules and the trading_days argument source read a calendar only through
// these column names.
struct CalendarMapping {
  std::string date;              // the day column
  std::string open;              // the column that says whether the exchange trades that day
  std::string open_value = "1";  // the value of `open` on a trading day
  std::string exchange;          // the exchange column

  friend bool operator==(const CalendarMapping&, const CalendarMapping&) = default;
};

struct Dataset {
  std::string name;    // local name; also the table / folder name in storages
  std::string source;  // DataSource name
  std::string api;     // vendor API name, e.g. "daily"
  std::string title;
  std::string description;
  std::string doc_url;
  std::vector<RequestParam> params;
  core::SchemaPtr schema;                   // output fields, in the order stored
  std::vector<std::string> primary_key;     // field names; empty = no natural key
  std::string date_key;                     // field name used for partitions/checkpoints; may be empty
  int64_t row_cap = 0;                      // rows per call at which a response is truncated; 0 = unknown
  std::string paging;                       // "offset": the API pages with offset/limit params; "" = it does not
  int64_t points = 0;                       // vendor points (积分) an account needs to call the API; 0 = unknown
  std::vector<std::string> default_fields;  // fields the vendor returns when none are asked for; empty = all
  DatasetOrigin origin = DatasetOrigin::kConfig;
  int schema_version = 1;
  std::optional<CalendarMapping> calendar;  // declared on this dataset; CalendarMappingOf adds the built-in one
  // The provider's own per-dataset settings, per its ProviderInfo::dataset_options table (a rest dataset's
  // path, record selector and paging); empty for a provider that has none.
  core::Options options;
  // Data-quality rules (`quality:`), in declaration order.
  std::vector<QualityRule> quality;

  bool operator==(const Dataset& o) const;
};

}  // namespace datasync::datasource
