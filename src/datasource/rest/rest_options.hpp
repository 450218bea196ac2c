// The rest provider's settings: the source's option table (endpoint auth, headers, timeouts, error rules) and
// the dataset's (path, method, where params go, the record selector, pagination, splitting), the typed keys
// that read them, and the checks config loading and the provider's creation share, so that `validate` and a
// run agree. Settings are read once per source and per dataset into plain structs the provider keeps.
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/options.hpp"
#include "datasource/data_source.hpp"
#include "datasource/dataset.hpp"
#include "datasource/page_chain.hpp"
#include "datasource/request_shaping.hpp"
#include "datasource/rest/error_rules.hpp"
#include "datasource/rest/json_path.hpp"

namespace datasync::datasource::rest {

std::span<const core::OptionSpec> RestSourceOptions();
std::span<const core::OptionSpec> RestDatasetOptions();

inline constexpr core::OptionKey<std::string> kAuth{"auth", RestSourceOptions};
inline constexpr core::OptionKey<std::string> kApiKey{"api_key", RestSourceOptions};
inline constexpr core::OptionKey<std::string> kApiKeyIn{"api_key_in", RestSourceOptions};
inline constexpr core::OptionKey<std::string> kApiKeyName{"api_key_name", RestSourceOptions};
inline constexpr core::OptionKey<std::string> kToken{"token", RestSourceOptions};
inline constexpr core::OptionKey<std::string> kUsername{"username", RestSourceOptions};
inline constexpr core::OptionKey<std::string> kPassword{"password", RestSourceOptions};
inline constexpr core::OptionKey<std::vector<std::string>> kHeaders{"headers", RestSourceOptions};
inline constexpr core::OptionKey<int64_t> kTimeoutSecs{"timeout_secs", RestSourceOptions};
inline constexpr core::OptionKey<int64_t> kConnectTimeoutSecs{"connect_timeout_secs", RestSourceOptions};
inline constexpr core::OptionKey<int64_t> kRateLimitWaitSecs{"rate_limit_wait_secs", RestSourceOptions};
inline constexpr core::OptionKey<core::OptionRecords> kErrorRules{"error_rules", RestSourceOptions};

inline constexpr core::OptionKey<std::string> kPath{"path", RestDatasetOptions};
inline constexpr core::OptionKey<std::string> kMethod{"method", RestDatasetOptions};
inline constexpr core::OptionKey<std::string> kParamsIn{"params_in", RestDatasetOptions};
inline constexpr core::OptionKey<std::vector<std::string>> kQuery{"query", RestDatasetOptions};
inline constexpr core::OptionKey<std::string> kRecords{"records", RestDatasetOptions};
inline constexpr core::OptionKey<std::string> kRows{"rows", RestDatasetOptions};
inline constexpr core::OptionKey<std::string> kColumns{"columns", RestDatasetOptions};
inline constexpr core::OptionKey<std::string> kColumnName{"column_name", RestDatasetOptions};
inline constexpr core::OptionKey<std::string> kPaginate{"paginate", RestDatasetOptions};
inline constexpr core::OptionKey<std::string> kCursorPath{"cursor_path", RestDatasetOptions};
inline constexpr core::OptionKey<std::string> kCursorParam{"cursor_param", RestDatasetOptions};
inline constexpr core::OptionKey<std::string> kOffsetParam{"offset_param", RestDatasetOptions};
inline constexpr core::OptionKey<std::string> kLimitParam{"limit_param", RestDatasetOptions};
inline constexpr core::OptionKey<int64_t> kPageSize{"page_size", RestDatasetOptions};
inline constexpr core::OptionKey<std::string> kPageParam{"page_param", RestDatasetOptions};
inline constexpr core::OptionKey<int64_t> kFirstPage{"first_page", RestDatasetOptions};
inline constexpr core::OptionKey<int64_t> kMaxPages{"max_pages", RestDatasetOptions};
inline constexpr core::OptionKey<std::vector<std::string>> kSplitDates{"split_dates", RestDatasetOptions};
inline constexpr core::OptionKey<std::vector<std::string>> kSplitLists{"split_lists", RestDatasetOptions};

// The param a `link` page carries: the next URL, taken from the Link header and checked against the
// endpoint's origin. A name no template can give (it starts with '@').
inline constexpr std::string_view kNextUrlParam = "@next_url";

// The page chain's own params (datasource/page_chain.hpp), carried by every next-page request and never
// sent (they start with '_'); stored with a run's tasks, so the names stay.
inline constexpr std::string_view kChainRowsParam = "_rest.rows";
inline constexpr std::string_view kChainSkipParam = "_rest.skip";
inline constexpr std::string_view kChainRestartsParam = "_rest.restarts";
inline constexpr std::string_view kChainPageParam = "_rest.page";

enum class Auth : uint8_t { kNone, kApiKey, kBearer, kBasic };

struct SourceSettings {
  std::string endpoint;  // without a trailing '/'
  Auth auth = Auth::kNone;
  bool api_key_in_header = false;
  std::string api_key_name;
  std::vector<std::pair<std::string, std::string>> headers;  // values as written (may be ${ENV})
  std::chrono::milliseconds timeout{60'000};
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::seconds rate_limit_wait{60};
  std::vector<ErrorRule> rules;
};

enum class Paginate : uint8_t { kNone, kCursor, kOffset, kPageNumber, kLink };

struct DatasetSettings {
  std::string path;
  std::string method = "GET";
  bool params_in_json = false;
  std::vector<std::pair<std::string, std::string>> query;  // fixed k=v of every call
  std::optional<JsonPath> records;                         // records mode
  std::optional<JsonPath> rows;                            // rows + columns mode
  std::optional<JsonPath> columns;
  std::string column_name = "name";
  Paginate paginate = Paginate::kNone;
  std::optional<JsonPath> cursor_path;
  std::string cursor_param;
  std::string offset_param;
  std::string limit_param;
  int64_t page_size = 0;  // 0: no limit param sent
  std::string page_param;
  int64_t first_page = 1;
  int64_t max_pages = 10'000;  // pages one request's answer may take; the next one fails the task
  PageChain chain{{}};         // positioned by the paginate kind's param; rows kept, restarts, pages
  RequestShaping shaping;      // the pager of `paginate` and the splitters of split_dates/split_lists
};

// The source's rules beyond the table's types (auth and its credentials, headers, the endpoint, each error
// rule's fields keyed "error_rules[i].field"); `resolve` also checks that secret references resolve.
core::OptionProblems CheckSource(const DataSource& source, bool resolve);
// The dataset's rules (a record selector, paths that parse, what each paginate kind needs, split params).
core::OptionProblems CheckDataset(const Dataset& dataset);

// The checked settings; kConfig naming "sources.NAME." / "datasets.NAME." keys otherwise.
core::Result<SourceSettings> ReadSourceSettings(const DataSource& source);
core::Result<std::shared_ptr<const DatasetSettings>> ReadDatasetSettings(const Dataset& dataset);

}  // namespace datasync::datasource::rest
