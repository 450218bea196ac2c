// DataSource: one configured vendor account (ARCHITECTURE §4): which provider speaks to it, where,
// under which limits, in which time zone its trading day lives, and the provider's options: its
// credentials among them (kSecret options, e.g. tushare's `token`: ${ENV} references resolved only when a
// request is made). Plain data.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "core/options.hpp"
#include "datasource/quota_limits.hpp"

namespace datasync::datasource {

struct DataSource {
  std::string name;
  std::string provider;  // plugin id, e.g. "tushare"
  std::string endpoint;  // e.g. "https://api.tushare.pro"
  std::string timezone = "Asia/Shanghai";
  QuotaLimits limits;                             // each API's, unless api_limits overrides it
  std::map<std::string, QuotaLimits> api_limits;  // api name -> limits
  core::Options options;  // provider-specific (credentials included), per the provider's option table

  friend bool operator==(const DataSource&, const DataSource&) = default;
};

}  // namespace datasync::datasource
