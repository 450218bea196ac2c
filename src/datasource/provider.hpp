// Provider: the plugin that speaks one vendor's protocol (ARCHITECTURE §3, §5).
//
// Lifecycle: created once per DataSource by its ProviderInfo::create, then used for the whole process.
// Fetch performs one call and returns the raw response; Decode turns it into a ColumnBatch that
// conforms to the dataset's schema plus a verdict on the rest of the answer (complete, a next page, or
// truncated), or into a classified Error; Split narrows a truncated request. All are thread-safe (Fetch
// is called from several fetch workers at once; Decode and Split from any of them). A provider never
// sleeps, retries or decides anything: it classifies (RATE_LIMITED with retry_after and learned_limit,
// QUOTA_EXHAUSTED with reset_at, PERMISSION, INVALID_INPUT, TRANSIENT, TRUNCATED...) and shapes requests
// in its own parameter names (request_shaping.hpp); the engine in sync/ decides and treats requests as
// opaque.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/column_batch.hpp"
#include "core/error.hpp"
#include "core/options.hpp"
#include "core/time_zone.hpp"
#include "datasource/data_source.hpp"
#include "datasource/dataset.hpp"
#include "datasource/dataset_importer.hpp"
#include "datasource/quota_limits.hpp"
#include "datasource/sample_inference.hpp"

namespace datasync::net {
class HttpClient;
}

namespace datasync::datasource {

using Params = std::vector<std::pair<std::string, std::string>>;  // request arguments, in order

struct FetchRequest {
  const DataSource* source = nullptr;
  const Dataset* dataset = nullptr;
  Params params;  // everything the call asks for, paging included, in the provider's own names
  // The version (Page::version) of this request's answer that the plan's storages already hold, recorded when
  // its task was last acked; empty when none is known, or when the run fetches everything again (repair,
  // `run --refetch`). A provider that can ask the vendor whether it changed (a checksum, an ETag) answers
  // kUnchanged when it did not.
  std::string stored_version;
};

struct RawResponse {
  long http_status = 0;
  std::string body;
  std::string retry_after;  // HTTP Retry-After header, if any
  double seconds = 0;       // wall time of the call
  // Response headers (names lower-cased) a provider's Decode reads beyond Retry-After: a Link header's next
  // page, a vendor's own wait header. Providers that need none leave it empty.
  std::vector<std::pair<std::string, std::string>> headers;
  // What Fetch learned of the answer's version (a checksum it verified), for Decode's Page::version; empty: none.
  std::string version;
};

// What a decoded page says about the rest of its request's answer. The provider judges (it knows its row
// cap, its has_more flag, how it pages); the engine only acts on the verdict.
struct PageVerdict {
  enum class Kind : uint8_t {
    kComplete,   // the page is the request's whole answer
    kNextPage,   // keep the rows; `next` asks for the rest, as a task of its own once this one is done
    kTruncated,  // rows are missing and no next page can ask for them: drop the page, Split the request
    kUnchanged,  // the answer is the version the storages hold (FetchRequest::stored_version): nothing to write
  };
  Kind kind = Kind::kComplete;
  Params next;         // kNextPage: the next request's params
  std::string reason;  // kTruncated: for the operator ("response of 6000 rows hit the row cap (6000)...")

  static PageVerdict Complete() { return {}; }
  static PageVerdict NextPage(Params next) { return {Kind::kNextPage, std::move(next), {}}; }
  static PageVerdict Truncated(std::string reason) { return {Kind::kTruncated, {}, std::move(reason)}; }
  static PageVerdict Unchanged() { return {Kind::kUnchanged, {}, {}}; }
};

struct Page {
  core::ColumnBatch batch;                  // conforms to dataset->schema (same fields, same order)
  PageVerdict verdict;                      // complete unless the provider says otherwise
  std::vector<std::string> vendor_fields;   // field names as the vendor returned them
  std::vector<std::string> missing_fields;  // schema fields the vendor did not return (stored as NULL)
  std::vector<std::string> extra_fields;    // vendor fields not in the schema (ignored; schema drift)
  // Values the provider stored other than as sent (invalid UTF-8 replaced, a huge integer kept as text),
  // one line each for the operator; the engine logs them and adds them to the run's warnings.
  std::vector<std::string> warnings;
  // The version of this answer (the vendor's checksum or ETag of a file), recorded with the task's ack once
  // every storage holds it, and given back as FetchRequest::stored_version when the task's key runs again.
  // Empty: the answer has none (every JSON vendor's).
  std::string version;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual core::Result<RawResponse> Fetch(const FetchRequest& request) = 0;
  virtual core::Result<Page> Decode(const FetchRequest& request, const RawResponse& response) const = 0;
  // Two or more narrower requests that together ask for what `request` asked for, after a truncated
  // verdict or a TRUNCATED error; nullopt when it cannot be narrowed (the engine then fails the task).
  // The default narrows nothing.
  virtual std::optional<std::vector<Params>> Split(const FetchRequest& request) const;
  // The answer's records untyped, for `datasync dataset sample` (ProviderInfo::infers_fields): the same
  // error classification and record selection as Decode, but no schema (request.dataset's may be empty).
  // The default: kInvalidInput, the provider knows its datasets' fields.
  virtual core::Result<RecordSample> Sample(const FetchRequest& request, const RawResponse& response) const;
};

struct ProviderContext {
  net::HttpClient* http = nullptr;  // shared, thread-safe
  const DataSource* source = nullptr;
  const core::Clock* clock = nullptr;  // for reset times (vendor day boundaries)
};

// The source's time zone (`timezone`, or `fallback` when it sets none), loaded; an unknown zone is an error
// at "sources.NAME.timezone". What every provider's `create` does first.
core::Result<core::TimeZone> LoadSourceTimeZone(const DataSource& source, std::string_view fallback);

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
  // The provider's per-dataset settings (Dataset::options), written as keys of the dataset in YAML next to
  // the common ones (a rest dataset's `path`, `records`, `paginate`); empty: datasets take none.
  std::span<const core::OptionSpec> dataset_options;
  // The rules of a dataset's settings beyond the table's types, keyed by the dataset's YAML keys, checked
  // with its source at hand (a record path that names a field the schema lacks); no I/O. Null: none.
  std::function<core::OptionProblems(const Dataset&, const DataSource&)> validate_dataset;
  // Datasets the provider knows without a doc import (its built-in catalog), bound to `source_name`.
  std::function<std::vector<Dataset>(const std::string& source_name)> builtin_datasets;
  // Reads the vendor's doc pages into Datasets (`dataset import`, `dataset refresh`); null: none.
  std::shared_ptr<const DatasetImporter> importer;
  // Reads one API's definition from the vendor's own metadata endpoint, through the provider's HTTP set-up
  // and credentials (`dataset import --api NAME`; `dataset refresh` passes the stored doc_url back); `what`
  // is an API name or a doc_url this hook recorded. Null: the provider has none (doc pages, or nothing).
  std::function<core::Result<ImportedDataset>(const ProviderContext&, std::string_view what)> import_api;
  // The vendor's published limits for a source that configures none: a source's YAML `limits` override
  // them window by window (datasource::Overridden). May depend on the source (a key or anonymous). Null:
  // the source has only the limits its YAML sets.
  std::function<QuotaLimits(const DataSource&)> default_limits;
  // Datasets of this provider may be written without `fields:`: `datasync dataset sample NAME` reads one
  // answer through Provider::Sample, infers the fields (sample_inference.hpp) and writes them into the file.
  bool infers_fields = false;
  std::function<core::Result<std::unique_ptr<Provider>>(const ProviderContext&)> create;
};

// The dataset's calendar mapping: its own, else the one of its API's entry in the built-in catalog of
// `provider` (the provider of the dataset's source; may be null); nullopt when it is no trading calendar.
std::optional<CalendarMapping> CalendarMappingOf(const Dataset& dataset, const ProviderInfo* provider);

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
