// DataSource: one configured vendor account (ARCHITECTURE §4): which provider speaks to it, where,
// under which limits, in which time zone its trading day lives, and the provider's options: its
// credentials among them (kSecret options, e.g. tushare's `token`: ${ENV} references resolved only when a
// request is made). Plain data.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/options.hpp"

namespace datasync::datasource {

struct QuotaLimits {
  std::optional<int64_t> per_minute;
  std::optional<int64_t> per_hour;
  std::optional<int64_t> per_day;
  std::optional<int64_t> concurrency;  // calls in flight at once
  // Extra time a call stays counted in the minute/hour windows beyond 60 s / 3600 s: covers the delay
  // between our clock at the call and the vendor's at its arrival. Default 500 ms.
  std::optional<int64_t> margin_ms;

  friend bool operator==(const QuotaLimits&, const QuotaLimits&) = default;
};

struct DataSource {
  std::string name;
  std::string provider;  // plugin id, e.g. "tushare"
  std::string endpoint;  // e.g. "http://api.tushare.pro"
  std::string timezone = "Asia/Shanghai";
  QuotaLimits limits;                             // per API unless overridden below
  std::map<std::string, QuotaLimits> api_limits;  // api name -> limits
  core::Options options;  // provider-specific (credentials included), per the provider's option table

  friend bool operator==(const DataSource&, const DataSource&) = default;
};

}  // namespace datasync::datasource
