// The HTTP request of one rest call: the dataset's path with its {param} placeholders filled, the request's
// other params in the query string or a JSON body, the fixed query, the credentials where the source's
// auth puts them, and the source's headers. Also what `link` paging needs: the Link header's next URL and
// the check that it stays on the endpoint's origin, so that credentials never go to another host.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.hpp"
#include "datasource/provider.hpp"
#include "datasource/rest/rest_options.hpp"

namespace datasync::datasource::rest {

// The secrets of one call, resolved from the source's references just before it.
struct Credentials {
  std::string api_key;
  std::string token;
  std::string username;
  std::string password;
  std::vector<std::pair<std::string, std::string>> headers;  // the source's headers, values resolved
  bool secret_headers = false;  // a header value is a secret (a reference, or a credential's name)
};

struct BuiltRequest {
  std::string method;
  std::string url;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// kInvalidInput when a {placeholder} has no param, or a link page's URL leaves the endpoint's origin;
// kPermanent (code max_pages) for a page beyond the dataset's max_pages (the chain's _rest.page counts the
// pages before it), so that an API that pages forever stops without one more call. Params starting with
// '_' (the page chain's, a template's variables) are never sent.
core::Result<BuiltRequest> BuildRequest(const SourceSettings& source, const DatasetSettings& dataset, const Dataset& ds,
                                        const Params& params, const Credentials& credentials);

// RFC 4648 base64 (Basic auth).
std::string Base64(std::string_view s);

// The rel="next" target of Link header values (RFC 8288), as written; nullopt when none.
std::optional<std::string> LinkNext(const std::vector<std::pair<std::string, std::string>>& headers);

// "scheme://host:port" in lower case with the default port made explicit; "" when `url` has none.
std::string Origin(std::string_view url);
// `target` made absolute against `endpoint` (an absolute URL as is, "/path" on the endpoint's origin) when it
// is on the endpoint's origin; nullopt otherwise (another host, scheme or port; a relative form we do not
// resolve).
std::optional<std::string> SameOriginUrl(std::string_view endpoint, std::string_view target);

// `url` without the query parameter `name` (percent-encoded as written), every occurrence: a link that echoes
// the API key is stored as the next page's param without it (the task's params live in the system
// database), and BuildRequest adds the key again.
std::string WithoutQueryParam(std::string_view url, std::string_view name);

// `url` without its query and fragment, for messages (a query may carry the API key).
std::string UrlWithoutQuery(std::string_view url);

}  // namespace datasync::datasource::rest
