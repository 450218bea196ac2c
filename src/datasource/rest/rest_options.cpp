#include "datasource/rest/rest_options.hpp"

#include <algorithm>

#include "core/secrets.hpp"
#include "core/strings.hpp"

namespace datasync::datasource::rest {

namespace {

using core::ErrorKind;
using core::OptionSpec;
using core::OptionType;

constexpr core::OptionRange kPositiveSeconds{.min = 1, .text = "must be a positive number of seconds"};

// An HTTP header name (RFC 9110 token characters).
bool IsHeaderName(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

bool IsParamName(std::string_view s) {
  return !s.empty() && s.front() != '@' && s.find_first_of("&=#? \t\r\n") == std::string_view::npos;
}

std::optional<std::pair<std::string, std::string>> SplitHeader(std::string_view line) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string name(core::Trim(line.substr(0, colon)));
  if (!IsHeaderName(name)) return std::nullopt;
  std::string value(core::Trim(line.substr(colon + 1)));
  if (value.find_first_of("\r\n") != std::string::npos) return std::nullopt;
  return std::pair{std::move(name), std::move(value)};
}

std::optional<std::pair<std::string, std::string>> SplitQuery(std::string_view item) {
  size_t eq = item.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  std::string name(item.substr(0, eq));
  if (!IsParamName(name)) return std::nullopt;
  return std::pair{std::move(name), std::string(item.substr(eq + 1))};
}

Auth AuthOf(const core::Options& o) {
  const std::string a = o.Get(kAuth);
  if (a == "api_key") return Auth::kApiKey;
  if (a == "bearer") return Auth::kBearer;
  if (a == "basic") return Auth::kBasic;
  return Auth::kNone;
}

Paginate PaginateOf(const core::Options& o) {
  const std::string p = o.Get(kPaginate);
  if (p == "cursor") return Paginate::kCursor;
  if (p == "offset") return Paginate::kOffset;
  if (p == "page_number") return Paginate::kPageNumber;
  if (p == "link") return Paginate::kLink;
  return Paginate::kNone;
}

// A credential the auth kind needs: set, and resolvable when asked.
void NeedSecret(const core::Options& o, const core::OptionKey<std::string>& key, std::string_view auth,
                std::string_view example, bool resolve, core::OptionProblems& problems) {
  std::string ref = o.Get(key);
  if (ref.empty()) {
    problems.push_back({"auth", "auth " + std::string(auth) + " needs " + std::string(key.name) + " (e.g. " +
                                    std::string(key.name) + ": " + std::string(example) + ")"});
  } else if (resolve) {
    if (auto v = core::ResolveSecret(ref, ""); !v)
      problems.push_back({std::string(key.name), v.error().message(), ref});
  }
}

// A credential set for another auth kind is never sent: say so rather than let it look used.
void Unused(const core::Options& o, std::string_view key, std::string_view auth, core::OptionProblems& problems) {
  if (o.Has(key) && !o.GetString(key).empty()) {
    problems.push_back({std::string(key), "is never sent with auth " + std::string(auth) +
                                              " (remove it, or set auth to the kind that uses it)"});
  }
}

}  // namespace

std::span<const OptionSpec> RestSourceOptions() {
  static const std::vector<OptionSpec> specs = {
      {.name = kAuth.name,
       .type = OptionType::kEnum,
       .default_value = "none",
       .description = "How calls authenticate: none, api_key (api_key in a query parameter or a header), bearer "
                      "(Authorization: Bearer token) or basic (username and password).",
       .allowed = {"none", "api_key", "bearer", "basic"}},
      {.name = kApiKey.name,
       .type = OptionType::kSecret,
       .description = "The API key of auth api_key: a ${ENV} reference resolved at each call.",
       .example = "${API_KEY}"},
      {.name = kApiKeyIn.name,
       .type = OptionType::kEnum,
       .default_value = "query",
       .description = "Where the API key goes: a query parameter or a request header, named by api_key_name.",
       .allowed = {"query", "header"}},
      {.name = kApiKeyName.name,
       .type = OptionType::kString,
       .default_value = "api_key",
       .description = "The query parameter or header that carries the API key (e.g. api_key, X-Api-Token)."},
      {.name = kToken.name,
       .type = OptionType::kSecret,
       .description = "The bearer token of auth bearer: a ${ENV} reference resolved at each call.",
       .example = "${API_TOKEN}"},
      {.name = kUsername.name, .type = OptionType::kString, .description = "The user name of auth basic."},
      {.name = kPassword.name,
       .type = OptionType::kSecret,
       .description = "The password of auth basic: a ${ENV} reference resolved at each call.",
       .example = "${API_PASSWORD}"},
      {.name = kHeaders.name,
       .type = OptionType::kStringList,
       .description = "Extra request headers, each \"Name: value\"; a value may be a ${ENV} reference (resolved "
                      "at each call and redacted from logs)."},
      {.name = kTimeoutSecs.name,
       .type = OptionType::kInt,
       .default_value = "60",
       .unit = "seconds",
       .description = "Longest a whole call may take, download included.",
       .range = kPositiveSeconds},
      {.name = kConnectTimeoutSecs.name,
       .type = OptionType::kInt,
       .default_value = "10",
       .unit = "seconds",
       .description = "Longest the TCP/TLS connect to the endpoint may take.",
       .range = kPositiveSeconds},
      {.name = kRateLimitWaitSecs.name,
       .type = OptionType::kInt,
       .default_value = "60",
       .unit = "seconds",
       .description = "Cool-down of a RATE_LIMITED answer (an HTTP 429, or a rule) that gives no wait.",
       .range = kPositiveSeconds},
      {.name = kErrorRules.name,
       .type = OptionType::kRecordList,
       .description = "How the vendor's error answers map to datasync's classes, tried in order before the "
                      "defaults (429 RATE_LIMITED, 401/403 PERMISSION, 400/404/422 INVALID_INPUT, 5xx TRANSIENT); "
                      "each entry matches on status, code_path/code_match and message_path/message_match and "
                      "names a class and its wait (wait_header, wait_pattern, wait_secs).",
       .fields = ErrorRuleFields},
  };
  return specs;
}

std::span<const OptionSpec> RestDatasetOptions() {
  static const std::vector<OptionSpec> specs = {
      {.name = kPath.name,
       .type = OptionType::kString,
       .required = true,
       .description = "The URL path after the source's endpoint; {name} is replaced by the request's param "
                      "`name` (URL-encoded), which is then not sent again.",
       .example = "/api/v3/datatables/ZACKS/FC.json"},
      {.name = kMethod.name,
       .type = OptionType::kEnum,
       .default_value = "GET",
       .description = "The HTTP method.",
       .allowed = {"GET", "POST"}},
      {.name = kParamsIn.name,
       .type = OptionType::kEnum,
       .description = "Where the request's params go: the query string, or a JSON object as the body (typed by "
                      "the dataset's `params` list). Default: query for GET, json for POST.",
       .allowed = {"query", "json"}},
      {.name = kQuery.name,
       .type = OptionType::kStringList,
       .description = "Fixed \"name=value\" query parameters added to every call."},
      {.name = kRecords.name,
       .type = OptionType::kString,
       .description = "Where the array of record objects is in the answer (e.g. data.items; $ for a top-level "
                      "array). Either records, or rows and columns."},
      {.name = kRows.name,
       .type = OptionType::kString,
       .description = "Where the array of row arrays is (e.g. datatable.data), with columns."},
      {.name = kColumns.name,
       .type = OptionType::kString,
       .description = "Where the column list of rows is: an array of names, or of objects named by column_name "
                      "(e.g. datatable.columns)."},
      {.name = kColumnName.name,
       .type = OptionType::kString,
       .default_value = "name",
       .description = "The key of a column object's name, when columns are objects."},
      {.name = kPaginate.name,
       .type = OptionType::kEnum,
       .default_value = "none",
       .description = "How the rest of an answer is asked for: none, cursor (a token read at cursor_path, sent "
                      "as cursor_param), offset (offset_param/limit_param), page_number (page_param from "
                      "first_page) or link (the Link header's rel=\"next\" URL, same origin only).",
       .allowed = {"none", "cursor", "offset", "page_number", "link"}},
      {.name = kCursorPath.name,
       .type = OptionType::kString,
       .description = "Where the next page's cursor is in the answer (paginate: cursor); null or absent ends."},
      {.name = kCursorParam.name,
       .type = OptionType::kString,
       .default_value = "cursor",
       .description = "The param that sends the cursor back (paginate: cursor)."},
      {.name = kOffsetParam.name,
       .type = OptionType::kString,
       .default_value = "offset",
       .description = "The param of the rows to skip (paginate: offset)."},
      {.name = kLimitParam.name,
       .type = OptionType::kString,
       .default_value = "limit",
       .description = "The param of the page size, sent with page_size."},
      {.name = kPageSize.name,
       .type = OptionType::kInt,
       .description = "Rows per page asked for (offset and page_number paging stop at a shorter page; "
                      "required for offset).",
       .range = core::OptionRange{.min = 1, .max = 10'000'000}},
      {.name = kPageParam.name,
       .type = OptionType::kString,
       .default_value = "page",
       .description = "The param of the page number (paginate: page_number)."},
      {.name = kFirstPage.name,
       .type = OptionType::kInt,
       .default_value = "1",
       .description = "The number of the first page (paginate: page_number).",
       .range = core::OptionRange{.min = 0, .max = 1}},
      {.name = kMaxPages.name,
       .type = OptionType::kInt,
       .default_value = "10000",
       .description = "The most pages one request's answer may take (any paginate kind): a next page beyond "
                      "it fails the task as PERMANENT, the pages read so far stay stored. A guard against an "
                      "API that ignores page_param and answers the same page forever, or hands out cursors "
                      "without end.",
       .range = core::OptionRange{.min = 1, .text = "must be a positive number of pages"}},
      {.name = kSplitDates.name,
       .type = OptionType::kStringList,
       .description = "[start_param, end_param]: a truncated answer (row_cap, or a TRUNCATED rule) is asked "
                      "again as two halves of this date window."},
      {.name = kSplitLists.name,
       .type = OptionType::kStringList,
       .description = "Params holding comma lists (tickers): a truncated answer is asked again with each list "
                      "halved, after split_dates."},
  };
  return specs;
}

core::OptionProblems CheckSource(const DataSource& source, bool resolve) {
  const core::Options& o = source.options;
  core::OptionProblems problems = core::CheckOptionTable(o, RestSourceOptions(), "provider rest");

  std::string_view endpoint = source.endpoint;
  std::string lower = core::ToLower(endpoint);
  if (endpoint.empty()) {
    problems.push_back({"endpoint", "a rest source needs its base URL (e.g. endpoint: https://api.example.com)"});
  } else if ((lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0) &&
             (endpoint.find_first_of(" \t\r\n?#") != std::string_view::npos ||
              endpoint.size() <= (lower.rfind("https://", 0) == 0 ? 8u : 7u))) {
    // The scheme itself is checked for every source by config loading; what a base URL adds is checked here.
    problems.push_back({"endpoint",
                        "must be a base URL without a query or fragment (e.g. https://api.example.com), "
                        "got '" +
                            std::string(endpoint) + "'"});
  }

  switch (AuthOf(o)) {
    case Auth::kNone:
      for (auto k : {kApiKey.name, kToken.name, kUsername.name, kPassword.name}) Unused(o, k, "none", problems);
      break;
    case Auth::kApiKey:
      NeedSecret(o, kApiKey, "api_key", "${API_KEY}", resolve, problems);
      for (auto k : {kToken.name, kUsername.name, kPassword.name}) Unused(o, k, "api_key", problems);
      if (o.Get(kApiKeyIn) == "header" ? !IsHeaderName(o.Get(kApiKeyName)) : !IsParamName(o.Get(kApiKeyName))) {
        problems.push_back({std::string(kApiKeyName.name),
                            "'" + o.Get(kApiKeyName) + "' is not a valid " +
                                (o.Get(kApiKeyIn) == "header" ? "header" : "query parameter") + " name"});
      }
      break;
    case Auth::kBearer:
      NeedSecret(o, kToken, "bearer", "${API_TOKEN}", resolve, problems);
      for (auto k : {kApiKey.name, kUsername.name, kPassword.name}) Unused(o, k, "bearer", problems);
      break;
    case Auth::kBasic:
      if (o.Get(kUsername).empty()) problems.push_back({"auth", "auth basic needs username"});
      NeedSecret(o, kPassword, "basic", "${API_PASSWORD}", resolve, problems);
      for (auto k : {kApiKey.name, kToken.name}) Unused(o, k, "basic", problems);
      break;
  }

  for (const auto& line : o.Get(kHeaders)) {
    auto h = SplitHeader(line);
    if (!h) {
      problems.push_back({"headers", "'" + core::Redact(line) + "' is not \"Name: value\"", line});
    } else if (resolve && core::IsSecretReference(h->second)) {
      if (auto v = core::ResolveSecret(h->second, ""); !v)
        problems.push_back({"headers", v.error().message(), h->second});
    }
  }

  const core::OptionRecords rules = o.Get(kErrorRules);
  for (size_t i = 0; i < rules.size(); ++i) {
    std::vector<std::pair<std::string, std::string>> rule_problems;
    ParseErrorRule(rules[i], i, rule_problems);
    for (auto& [field, message] : rule_problems) {
      std::string key = "error_rules[" + std::to_string(i) + "]";
      problems.push_back({field.empty() ? key : key + "." + field, std::move(message)});
    }
  }
  return problems;
}

core::OptionProblems CheckDataset(const Dataset& dataset) {
  const core::Options& o = dataset.options;
  core::OptionProblems problems = core::CheckOptionTable(o, RestDatasetOptions(), "a rest dataset");

  const std::string path = o.Get(kPath);
  if (!o.Has(kPath.name)) {
    problems.push_back({"path", "a rest dataset needs path (e.g. path: /v1/items)"});
  } else if (path.find_first_of("?# \t\r\n") != std::string::npos || (!path.empty() && path.front() != '/')) {
    problems.push_back({"path",
                        "must start with '/' and hold no query or spaces (put fixed parameters under "
                        "query), got '" +
                            path + "'"});
  } else {
    size_t open = path.find('{');
    while (open != std::string::npos) {
      size_t close = path.find('}', open);
      if (close == std::string::npos || close == open + 1) {
        problems.push_back({"path", "a '{' without a param name and '}' in '" + path + "'"});
        break;
      }
      open = path.find('{', close);
    }
  }
  auto check_path = [&](const core::OptionKey<std::string>& key) {
    if (!o.Has(key.name)) return;
    if (auto p = ParseJsonPath(o.Get(key)); !p) problems.push_back({std::string(key.name), p.error().message()});
  };
  for (const auto* key : {&kRecords, &kRows, &kColumns, &kCursorPath}) check_path(*key);

  const bool records = o.Has(kRecords.name), rows = o.Has(kRows.name), columns = o.Has(kColumns.name);
  if (records && (rows || columns)) {
    problems.push_back({"records",
                        "records (an array of objects) and rows/columns (arrays with a column list) "
                        "exclude each other: keep one"});
  } else if (!records && !rows && !columns) {
    problems.push_back({"path",
                        "say where the records are: records: PATH (an array of objects, $ for the whole "
                        "body), or rows: PATH and columns: PATH"});
  } else if (rows != columns) {
    problems.push_back(
        {rows ? "rows" : "columns", "rows and columns go together (the row arrays and their column list)"});
  }

  for (const auto& item : o.Get(kQuery)) {
    if (!SplitQuery(item)) problems.push_back({"query", "'" + item + "' is not \"name=value\"", item});
  }
  switch (PaginateOf(o)) {
    case Paginate::kCursor:
      if (!o.Has(kCursorPath.name)) {
        problems.push_back({"paginate", "cursor paging needs cursor_path (where the answer holds the next cursor)"});
      }
      break;
    case Paginate::kOffset:
      if (!o.Has(kPageSize.name)) {
        problems.push_back(
            {"paginate", "offset paging needs page_size (the rows per page; a shorter page is the last)"});
      }
      break;
    default: break;
  }
  for (auto k : {kCursorParam.name, kOffsetParam.name, kLimitParam.name, kPageParam.name}) {
    if (o.Has(k) && !IsParamName(o.GetString(k))) problems.push_back({std::string(k), "is not a valid param name"});
  }
  if (auto dates = o.Get(kSplitDates); o.Has(kSplitDates.name) && dates.size() != 2) {
    problems.push_back({"split_dates", "needs exactly two params: [start_param, end_param]"});
  }
  return problems;
}

core::Result<SourceSettings> ReadSourceSettings(const DataSource& source) {
  core::OptionProblems problems = CheckSource(source, false);
  if (std::string lower = core::ToLower(source.endpoint);
      !source.endpoint.empty() && lower.rfind("http://", 0) != 0 && lower.rfind("https://", 0) != 0) {
    problems.push_back({"endpoint", "'" + source.endpoint + "' is not an http:// or https:// URL"});
  }
  if (auto st = core::ProblemsToStatus(problems, "sources." + source.name + "."); !st) {
    return tl::unexpected(st.error());
  }
  const core::Options& o = source.options;
  SourceSettings s;
  s.endpoint = source.endpoint;
  while (!s.endpoint.empty() && s.endpoint.back() == '/') s.endpoint.pop_back();
  s.auth = AuthOf(o);
  s.api_key_in_header = o.Get(kApiKeyIn) == "header";
  s.api_key_name = o.Get(kApiKeyName);
  for (const auto& line : o.Get(kHeaders)) s.headers.push_back(*SplitHeader(line));
  s.timeout = std::chrono::seconds(o.Get(kTimeoutSecs));
  s.connect_timeout = std::chrono::seconds(o.Get(kConnectTimeoutSecs));
  s.rate_limit_wait = std::chrono::seconds(o.Get(kRateLimitWaitSecs));
  const core::OptionRecords rules = o.Get(kErrorRules);
  for (size_t i = 0; i < rules.size(); ++i) {
    std::vector<std::pair<std::string, std::string>> unused;
    s.rules.push_back(*ParseErrorRule(rules[i], i, unused));
  }
  return s;
}

core::Result<std::shared_ptr<const DatasetSettings>> ReadDatasetSettings(const Dataset& dataset) {
  if (auto st = core::ProblemsToStatus(CheckDataset(dataset), "datasets." + dataset.name + "."); !st) {
    return tl::unexpected(st.error());
  }
  const core::Options& o = dataset.options;
  auto s = std::make_shared<DatasetSettings>();
  s->path = o.Get(kPath);
  s->method = o.Get(kMethod);
  s->params_in_json = o.Has(kParamsIn.name) ? o.Get(kParamsIn) == "json" : s->method == "POST";
  for (const auto& item : o.Get(kQuery)) s->query.push_back(*SplitQuery(item));
  if (o.Has(kRecords.name)) s->records = *ParseJsonPath(o.Get(kRecords));
  if (o.Has(kRows.name)) s->rows = *ParseJsonPath(o.Get(kRows));
  if (o.Has(kColumns.name)) s->columns = *ParseJsonPath(o.Get(kColumns));
  s->column_name = o.Get(kColumnName);
  s->paginate = PaginateOf(o);
  if (o.Has(kCursorPath.name)) s->cursor_path = *ParseJsonPath(o.Get(kCursorPath));
  s->cursor_param = o.Get(kCursorParam);
  s->offset_param = o.Get(kOffsetParam);
  s->limit_param = o.Get(kLimitParam);
  s->page_size = o.Get(kPageSize);
  s->page_param = o.Get(kPageParam);
  s->first_page = o.Get(kFirstPage);
  s->max_pages = o.Get(kMaxPages);
  PageChainNames chain{.position = {},
                       .rows = std::string(kChainRowsParam),
                       .skip = std::string(kChainSkipParam),
                       .restarts = std::string(kChainRestartsParam),
                       .page = std::string(kChainPageParam)};
  switch (s->paginate) {
    case Paginate::kCursor: chain.position = {s->cursor_param}; break;
    case Paginate::kOffset: chain.position = {s->offset_param}; break;
    case Paginate::kPageNumber: chain.position = {s->page_param}; break;
    case Paginate::kLink: chain.position = {std::string(kNextUrlParam)}; break;
    case Paginate::kNone: break;
  }
  s->chain = PageChain(std::move(chain));
  switch (s->paginate) {
    case Paginate::kCursor: s->shaping.pager = std::make_shared<CursorPager>(s->cursor_param); break;
    case Paginate::kOffset: s->shaping.pager = std::make_shared<OffsetPager>(s->offset_param); break;
    case Paginate::kPageNumber:
      s->shaping.pager = std::make_shared<PageNumberPager>(s->page_param, s->first_page);
      break;
    case Paginate::kLink: s->shaping.pager = std::make_shared<CursorPager>(std::string(kNextUrlParam)); break;
    case Paginate::kNone: break;
  }
  if (auto dates = o.Get(kSplitDates); dates.size() == 2) {
    s->shaping.splitters.push_back(std::make_shared<DateWindowSplitter>(dates[0], dates[1]));
  }
  if (auto lists = o.Get(kSplitLists); !lists.empty()) {
    s->shaping.splitters.push_back(std::make_shared<KeyListSplitter>(lists));
  }
  return std::shared_ptr<const DatasetSettings>(std::move(s));
}

}  // namespace datasync::datasource::rest
