// Provider: the plugin that speaks one vendor's protocol (ARCHITECTURE §3, §5).
//
// Lifecycle: created once per DataSource by its ProviderInfo::create, then used for the whole process.
// Fetch performs one call and returns the raw response; Decode turns it into a ColumnBatch that
// conforms to the dataset's schema, or into a classified Error. Both are thread-safe (Fetch is called
// from several fetch workers at once; Decode from decode workers). A provider never sleeps, retries or
// decides anything: it classifies (RATE_LIMITED with retry_after and learned_limit, QUOTA_EXHAUSTED with
// reset_at, PERMISSION, INVALID_INPUT, TRANSIENT, TRUNCATED...) and the engine in sync/ decides.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/column_batch.hpp"
#include "core/error.hpp"
#include "core/options.hpp"
#include "datasource/data_source.hpp"
#include "datasource/dataset.hpp"

namespace datasync::net {
class HttpClient;
}

namespace datasync::datasource {

using Params = std::vector<std::pair<std::string, std::string>>;  // request arguments, in order

struct FetchRequest {
  const DataSource* source = nullptr;
  const Dataset* dataset = nullptr;
  Params params;
  int64_t offset = 0;  // for APIs that page by offset; 0 = first page
  int64_t limit = 0;   // rows asked for; 0 = the vendor's default
};

struct RawResponse {
  long http_status = 0;
  std::string body;
  std::string retry_after;  // HTTP Retry-After header, if any
  double seconds = 0;       // wall time of the call
};

struct Page {
  core::ColumnBatch batch;                  // conforms to dataset->schema (same fields, same order)
  bool has_more = false;                    // the vendor says more rows exist beyond this page
  bool hit_row_cap = false;                 // rows == dataset->row_cap: probably truncated
  std::vector<std::string> vendor_fields;   // field names as the vendor returned them
  std::vector<std::string> missing_fields;  // schema fields the vendor did not return (stored as NULL)
  std::vector<std::string> extra_fields;    // vendor fields not in the schema (ignored; schema drift)
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual core::Result<RawResponse> Fetch(const FetchRequest& request) = 0;
  virtual core::Result<Page> Decode(const FetchRequest& request, const RawResponse& response) const = 0;
};

struct ProviderContext {
  net::HttpClient* http = nullptr;  // shared, thread-safe
  const DataSource* source = nullptr;
  const core::Clock* clock = nullptr;  // for reset times (vendor day boundaries)
};

struct ProviderInfo {
  std::string id;  // "tushare"
  std::string description;
  std::string default_endpoint;
  std::string default_timezone;
  std::span<const core::OptionSpec> options;  // provider-specific source options
  // The source's rules beyond the option table's types (positive timeouts, a token that resolves), keyed
  // by the source's YAML keys ("timeout_secs", "token"); no I/O. Config loading reports each problem at its
  // key's value; `create` and Fetch run the same checks, so `validate` and a run agree. Empty: none.
  std::function<core::OptionProblems(const DataSource&, const core::OptionCheckContext&)> validate;
  // Datasets the provider knows without a doc import (its built-in catalog), bound to `source_name`.
  std::function<std::vector<Dataset>(const std::string& source_name)> builtin_datasets;
  std::function<core::Result<std::unique_ptr<Provider>>(const ProviderContext&)> create;
};

// Explicit registry (no static-init self-registration): app/ calls each provider's RegisterXxx.
class ProviderRegistry {
 public:
  void Register(ProviderInfo info);
  const ProviderInfo* Find(std::string_view id) const;
  std::vector<std::string> Ids() const;

 private:
  std::vector<ProviderInfo> infos_;
};

}  // namespace datasync::datasource
