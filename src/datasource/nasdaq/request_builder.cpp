#include "datasource/nasdaq/request_builder.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace datasync::datasource::nasdaq {

namespace {

using core::ErrorKind;

bool IsCodeChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
}

bool IsCode(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsCodeChar) && s != "." && s != "..";
}

std::string_view TrimSlashes(std::string_view endpoint) {
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.remove_suffix(1);
  return endpoint;
}

bool IsInternal(std::string_view name) {
  return !name.empty() && name.front() == '_';
}

bool Has(const Params& params, std::string_view name) {
  return std::any_of(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
}

// The params to send, in order, with the provider's defaults appended.
Params WireParams(const NdlApi& api, const Params& params, const std::vector<std::string>& columns,
                  const RequestOptions& options) {
  Params out;
  out.reserve(params.size() + 3);
  for (const auto& [k, v] : params) {
    if (IsInternal(k)) continue;
    if (api.kind == NdlApi::Kind::kTimeSeries && k == "code") continue;  // in the path
    out.emplace_back(k, v);
  }
  if (api.kind == NdlApi::Kind::kTable) {
    if (!columns.empty() && !Has(out, "qopts.columns")) out.emplace_back("qopts.columns", core::Join(columns, ","));
    if (!Has(out, "qopts.per_page")) out.emplace_back("qopts.per_page", std::to_string(options.per_page));
  } else if (!Has(out, "order")) {
    out.emplace_back("order", "asc");
  }
  return out;
}

// Comma lists (filters on several values, qopts.columns) go as JSON arrays, as the official client sends
// Python lists; qopts.per_page as a number; everything else as a string.
std::string JsonBody(const Params& params) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : params) {
    if (!first) out.push_back(',');
    first = false;
    core::AppendJsonString(out, k);
    out.push_back(':');
    if (k == "qopts.per_page" && core::ParseInt64(v)) {
      out.append(v);
    } else if (v.find(',') != std::string::npos) {
      out.push_back('[');
      bool first_item = true;
      for (const auto& item : core::Split(v, ',')) {
        if (!first_item) out.push_back(',');
        first_item = false;
        core::AppendJsonString(out, item);
      }
      out.push_back(']');
    } else {
      core::AppendJsonString(out, v);
    }
  }
  out.push_back('}');
  return out;
}

void AppendQuery(std::string& url, const Params& params) {
  char sep = url.find('?') == std::string::npos ? '?' : '&';
  for (const auto& [k, v] : params) {
    url.push_back(sep);
    sep = '&';
    AppendQueryComponent(url, k);
    url.push_back('=');
    AppendQueryComponent(url, v);
  }
}

}  // namespace

core::Result<NdlApi> ParseApi(std::string_view api) {
  std::vector<std::string> parts = core::Split(api, '/');
  NdlApi out;
  if (parts.size() == 3 && parts[0] == "datatables" && IsCode(parts[1]) && IsCode(parts[2])) {
    out.kind = NdlApi::Kind::kTable;
  } else if (parts.size() == 2 && parts[0] == "datasets" && IsCode(parts[1])) {
    out.kind = NdlApi::Kind::kTimeSeries;
  } else {
    return core::Fail(ErrorKind::kConfig,
                      "api '" + std::string(api) +
                          "' is not a Nasdaq Data Link API: use datatables/PUBLISHER/TABLE for a table (e.g. "
                          "datatables/ZACKS/FC) or datasets/DATABASE for time series (the series code is the "
                          "request param 'code')");
  }
  out.path = std::string(api);
  return out;
}

void AppendQueryComponent(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (unsigned char c : s) {
    // ',' stays readable: the vendor's own lists (ticker=A,B) are written that way.
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~' || c == ',') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
}

core::Result<WireRequest> BuildRequest(std::string_view endpoint, const NdlApi& api, const Params& params,
                                       const std::vector<std::string>& columns, const RequestOptions& options) {
  std::string path = std::string(TrimSlashes(endpoint)) + "/api/v3/" + api.path;
  if (api.kind == NdlApi::Kind::kTimeSeries) {
    auto it = std::find_if(params.begin(), params.end(), [](const auto& p) { return p.first == "code"; });
    if (it == params.end() || !IsCode(it->second)) {
      return core::Fail(ErrorKind::kInvalidInput,
                        "nasdaq_data_link " + api.path + ": the request has " +
                            (it == params.end() ? std::string("no 'code' param")
                                                : "the code '" + it->second + "', which is not a series code") +
                            " (the time series to fetch, e.g. AAPL for " + api.path + "/AAPL); set params.code");
    }
    path += "/" + it->second + "/data.json";
  } else {
    path += ".json";
  }

  Params wire = WireParams(api, params, columns, options);
  WireRequest out;
  out.headers = {{"Accept", "application/json"}};
  if (!options.api_key.empty() && options.key_in == KeyIn::kHeader) {
    out.headers.emplace_back("X-Api-Token", std::string(options.api_key));
  }
  Params key;
  if (!options.api_key.empty() && options.key_in == KeyIn::kQuery) key.emplace_back("api_key", options.api_key);

  std::string get_url = path;
  AppendQuery(get_url, wire);
  AppendQuery(get_url, key);
  if (get_url.size() < kMaxGetUrlLength) {
    out.method = "GET";
    out.url = std::move(get_url);
    return out;
  }
  out.method = "POST";
  out.url = path;
  AppendQuery(out.url, key);
  out.headers.emplace_back("Content-Type", "application/json");
  out.body = JsonBody(wire);
  return out;
}

std::string MetadataUrl(std::string_view endpoint, std::string_view api_with_code) {
  return std::string(TrimSlashes(endpoint)) + "/api/v3/" + std::string(api_with_code) + "/metadata.json";
}

std::string RedactApiKey(std::string_view text) {
  std::string out(text);
  static constexpr std::string_view kKey = "api_key=";
  size_t pos = 0;
  while ((pos = out.find(kKey, pos)) != std::string::npos) {
    size_t start = pos + kKey.size();
    size_t end = start;
    while (end < out.size() && out[end] != '&' && out[end] != ' ' && out[end] != '"' && out[end] != '#' &&
           out[end] != '\n') {
      ++end;
    }
    out.replace(start, end - start, "***");
    pos = start + 3;
  }
  return out;
}

}  // namespace datasync::datasource::nasdaq
