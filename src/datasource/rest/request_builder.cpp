#include "datasource/rest/request_builder.hpp"

#include <algorithm>

#include "core/strings.hpp"
#include "datasource/path_template.hpp"
#include "net/cleartext.hpp"
#include "net/url_encode.hpp"

namespace datasync::datasource::rest {

namespace {

using core::ErrorKind;
using net::PercentEncode;

const std::string* Find(const Params& params, std::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return &v;
  }
  return nullptr;
}

void AppendQuery(std::string& url, std::string_view name, std::string_view value) {
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += PercentEncode(name);
  url += '=';
  url += PercentEncode(value);
}

// The JSON value of a param in a JSON body, by the dataset's declared param type: numbers and booleans as
// such when they read as one, everything else a string.
void AppendJsonParam(std::string& out, const Dataset& ds, std::string_view name, std::string_view value) {
  std::string type;
  for (const auto& p : ds.params) {
    if (p.name == name) type = core::ToLower(p.type);
  }
  if ((type == "int" || type == "integer" || type == "long") && core::ParseInt64(value)) {
    out += core::Trim(value);
  } else if ((type == "float" || type == "double" || type == "number" || type == "decimal") &&
             core::ParseDouble(value)) {
    out += core::Trim(value);
  } else if ((type == "bool" || type == "boolean") && (value == "true" || value == "false")) {
    out += value;
  } else {
    core::AppendJsonString(out, value);
  }
}

}  // namespace

std::string Base64(std::string_view s) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < s.size(); i += 3) {
    uint32_t n = (uint32_t(uint8_t(s[i])) << 16) | (uint32_t(uint8_t(s[i + 1])) << 8) | uint8_t(s[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  if (i < s.size()) {
    uint32_t n = uint32_t(uint8_t(s[i])) << 16;
    if (i + 1 < s.size()) n |= uint32_t(uint8_t(s[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += i + 1 < s.size() ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string UrlWithoutQuery(std::string_view url) {
  return std::string(url.substr(0, url.find_first_of("?#")));
}

std::string WithoutQueryParam(std::string_view url, std::string_view name) {
  size_t q = url.find('?');
  if (q == std::string_view::npos) return std::string(url);
  size_t hash = url.find('#', q);
  std::string_view query = url.substr(q + 1, hash == std::string_view::npos ? std::string_view::npos : hash - q - 1);
  const std::string encoded = PercentEncode(name);
  std::string kept;
  for (const auto& part : core::Split(query, '&')) {
    std::string_view key = std::string_view(part).substr(0, part.find('='));
    if (key == name || key == encoded) continue;
    if (!kept.empty()) kept += '&';
    kept += part;
  }
  std::string out(url.substr(0, q));
  if (!kept.empty()) out += "?" + kept;
  if (hash != std::string_view::npos) out += url.substr(hash);
  return out;
}

std::string Origin(std::string_view url) {
  std::string lower = core::ToLower(url);
  size_t scheme_end = lower.find("://");
  if (scheme_end == std::string::npos) return "";
  std::string scheme = lower.substr(0, scheme_end);
  if (scheme != "http" && scheme != "https") return "";
  size_t start = scheme_end + 3;
  size_t end = lower.find_first_of("/?#", start);
  std::string authority = lower.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (size_t at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  if (authority.empty()) return "";
  size_t colon = authority.rfind(':');
  bool has_port = colon != std::string::npos && authority.find(']', colon) == std::string::npos;
  if (!has_port || colon + 1 == authority.size()) {
    if (has_port) authority.pop_back();
    authority += scheme == "https" ? ":443" : ":80";
  }
  return scheme + "://" + authority;
}

std::optional<std::string> SameOriginUrl(std::string_view endpoint, std::string_view target) {
  target = core::Trim(target);
  std::string origin = Origin(endpoint);
  if (origin.empty() || target.empty()) return std::nullopt;
  if (target.find_first_of("\r\n\t ") != std::string_view::npos) return std::nullopt;
  if (target.front() == '/' && (target.size() < 2 || target[1] != '/')) {
    size_t scheme_end = endpoint.find("://");
    size_t path_start = endpoint.find('/', scheme_end + 3);
    return std::string(endpoint.substr(0, path_start)) + std::string(target);
  }
  if (Origin(target) != origin) return std::nullopt;
  // The same origin written with userinfo is another request's credentials: refuse it.
  std::string_view after = target.substr(target.find("://") + 3);
  std::string_view authority = after.substr(0, after.find_first_of("/?#"));
  if (authority.find('@') != std::string_view::npos) return std::nullopt;
  return std::string(target);
}

std::optional<std::string> LinkNext(const std::vector<std::pair<std::string, std::string>>& headers) {
  for (const auto& [name, value] : headers) {
    if (name != "link") continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t open = rest.find('<');
      if (open == std::string_view::npos) break;
      size_t close = rest.find('>', open);
      if (close == std::string_view::npos) break;
      std::string_view target = rest.substr(open + 1, close - open - 1);
      // The link's parameters run to the next ',' that is followed by '<' (a URL may hold commas, but
      // inside the angle brackets).
      size_t next = rest.find('<', close);
      std::string_view params =
          rest.substr(close + 1, next == std::string_view::npos ? std::string_view::npos : next - close - 1);
      std::string lower = core::ToLower(params);
      for (size_t at = lower.find("rel"); at != std::string::npos; at = lower.find("rel", at + 3)) {
        size_t eq = lower.find_first_not_of(" \t", at + 3);
        if (eq == std::string::npos || lower[eq] != '=') continue;
        std::string_view v = std::string_view(lower).substr(eq + 1);
        v = core::Trim(v.substr(0, v.find_first_of(";,")));
        if (!v.empty() && v.front() == '"')
          v = v.substr(1, v.find('"', 1) == std::string_view::npos ? v.size() - 1 : v.find('"', 1) - 1);
        for (const auto& rel : core::Split(v, ' ')) {
          if (rel == "next") return std::string(target);
        }
      }
      if (next == std::string_view::npos) break;
      rest = rest.substr(next);
    }
  }
  return std::nullopt;
}

namespace {

// A page beyond max_pages: what happened, which dataset, what to do.
core::Error MaxPagesError(const DatasetSettings& dataset, const Dataset& ds, int64_t pages_read) {
  std::string hint;
  switch (dataset.paginate) {
    case Paginate::kPageNumber:
      hint = "the API may ignore page_param '" + dataset.page_param + "' and answer the same page again";
      break;
    case Paginate::kOffset:
      hint = "the API may ignore offset_param '" + dataset.offset_param + "' and answer the same rows again";
      break;
    case Paginate::kCursor: hint = "the API may hand out new cursors without end"; break;
    case Paginate::kLink: hint = "the API's Link header may never stop naming a next page"; break;
    case Paginate::kNone: break;
  }
  const std::string key = "datasets." + ds.name + ".max_pages";
  core::Error e(ErrorKind::kPermanent,
                "the answer to this request took " + std::to_string(pages_read) +
                    " pages and the API says there is "
                    "more, but " +
                    key + " is " + std::to_string(dataset.max_pages) +
                    ": the task stops here (the rows of those pages are stored). If the answer really is that "
                    "long, raise " +
                    key + "; otherwise check the dataset's paging settings" +
                    (hint.empty() ? std::string() : " (" + hint + ")"));
  e.WithCode("max_pages");
  return e;
}

}  // namespace

core::Result<BuiltRequest> BuildRequest(const SourceSettings& source, const DatasetSettings& dataset, const Dataset& ds,
                                        const Params& params, const Credentials& credentials) {
  if (const int64_t before = dataset.chain.Read(params).page; before >= dataset.max_pages) {
    return core::Fail(MaxPagesError(dataset, ds, before));
  }
  BuiltRequest out;
  out.method = dataset.method;
  std::vector<std::string> used;  // params that filled a placeholder
  const std::string* next_url = Find(params, kNextUrlParam);
  if (next_url) {
    // A link page: the vendor's own URL carries the query; only the credentials are ours to add.
    auto url = SameOriginUrl(source.endpoint, *next_url);
    if (!url) {
      return core::Fail(ErrorKind::kPermanent,
                        "the next page's link goes to " +
                            (net::UrlHost(*next_url).empty() ? std::string("a relative or unreadable URL")
                                                             : net::UrlHost(*next_url)) +
                            ", not to the endpoint's origin " + Origin(source.endpoint) +
                            ": it is not followed, so that the credentials never leave for another host");
    }
    out.method = "GET";
    out.url = *url;
  } else {
    auto path = FillPathTemplate(dataset.path, params, &used);
    if (!path) return tl::unexpected(path.error());
    out.url = source.endpoint + *path;
    for (const auto& [k, v] : dataset.query) AppendQuery(out.url, k, v);
    Params send;
    for (const auto& [k, v] : params) {
      if (std::find(used.begin(), used.end(), k) != used.end()) continue;
      if (!k.empty() && k.front() == '_') continue;  // a template's variable: never sent
      send.emplace_back(k, v);
    }
    // The first page of offset and page-number paging says where it starts; every page says its size.
    if (dataset.paginate == Paginate::kOffset && !Find(params, dataset.offset_param)) {
      send.emplace_back(dataset.offset_param, "0");
    }
    if (dataset.paginate == Paginate::kPageNumber && !Find(params, dataset.page_param)) {
      send.emplace_back(dataset.page_param, std::to_string(dataset.first_page));
    }
    if (dataset.page_size > 0 && !Find(params, dataset.limit_param)) {
      send.emplace_back(dataset.limit_param, std::to_string(dataset.page_size));
    }
    if (dataset.params_in_json) {
      out.body = "{";
      for (const auto& [k, v] : send) {
        if (out.body.size() > 1) out.body += ',';
        core::AppendJsonString(out.body, k);
        out.body += ':';
        AppendJsonParam(out.body, ds, k, v);
      }
      out.body += '}';
    } else {
      for (const auto& [k, v] : send) AppendQuery(out.url, k, v);
    }
  }

  out.headers.emplace_back("Accept", "application/json");
  if (!out.body.empty()) out.headers.emplace_back("Content-Type", "application/json");
  switch (source.auth) {
    case Auth::kNone: break;
    case Auth::kApiKey:
      if (source.api_key_in_header) {
        out.headers.emplace_back(source.api_key_name, credentials.api_key);
      } else {
        // A link URL that echoes our key already carries it; otherwise add it.
        std::string marker = PercentEncode(source.api_key_name) + "=";
        size_t q = out.url.find('?');
        bool has = q != std::string::npos &&
                   (out.url.find("?" + marker) != std::string::npos || out.url.find("&" + marker) != std::string::npos);
        if (!has) AppendQuery(out.url, source.api_key_name, credentials.api_key);
      }
      break;
    case Auth::kBearer: out.headers.emplace_back("Authorization", "Bearer " + credentials.token); break;
    case Auth::kBasic:
      out.headers.emplace_back("Authorization", "Basic " + Base64(credentials.username + ":" + credentials.password));
      break;
  }
  for (const auto& h : credentials.headers) out.headers.push_back(h);
  return out;
}

}  // namespace datasync::datasource::rest
