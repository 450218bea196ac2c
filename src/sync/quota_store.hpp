// QuotaStore: where Quota keeps what must survive a restart (ARCHITECTURE §6): the calls counted in the
// vendor's current day, the recent calls of the minute/hour windows, and limits learned from the vendor.
// The state is opaque JSON written by Quota; `label` ("tushare/daily") names it for `datasync status`
// without revealing the credential the key was derived from. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace datasync::sync {

struct StoredQuota {
  std::string key;
  std::string label;
  std::string state_json;
  int64_t updated_at_us = 0;
};

class QuotaStore {
 public:
  virtual ~QuotaStore() = default;
  virtual core::Result<std::optional<StoredQuota>> LoadQuota(const std::string& key) = 0;
  virtual core::Status SaveQuota(const StoredQuota& quota) = 0;
  virtual core::Result<std::vector<StoredQuota>> ListQuotas() = 0;
};

}  // namespace datasync::sync
