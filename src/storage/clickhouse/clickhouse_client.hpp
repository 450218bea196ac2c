// ClickHouseClient: ClickHouse's HTTP interface over our libcurl client (net/http_client.hpp): statements
// as POST bodies (GET is read-only there), queries read back as TabSeparated, and inserts whose data is the
// request body. Credentials travel in the X-ClickHouse-User/-Key headers, never in a URL.
//
// Errors: transport failures keep HttpClient's classification (refused, reset, timeout -> kTransient).
// ClickHouse answers any exception with an HTTP error status and a body such as
// "Code: 27, e.displayText() = DB::Exception: ..." (18.16) or "Code: 27. DB::Exception: ..." (newer);
// ClickHouseErrorKind classifies the code. Thread-safe (the HttpClient is).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace datasync::net {
class HttpClient;
}

namespace datasync::storage::clickhouse {

struct ClickHouseEndpoint {
  std::string base_url;  // http(s)://host:port/
  std::string user;
  std::string password;
  std::string display;  // for messages (no password)
};

// Error kind for an HTTP status and the exception code parsed from the body (0 when none).
core::ErrorKind ClickHouseErrorKind(long http_status, int code);
// The "Code: N" of an error body, or 0.
int ParseExceptionCode(std::string_view body);
// Reverses TabSeparated escaping of one field (\\ \t \n \r \0 \' \b \f).
std::string UnescapeTsv(std::string_view field);
// Percent-encodes a query for a URL parameter.
std::string UrlEncode(std::string_view s);

class ClickHouseClient {
 public:
  ClickHouseClient(net::HttpClient& http, ClickHouseEndpoint endpoint) : http_(http), endpoint_(std::move(endpoint)) {}

  core::Status Execute(std::string_view sql);
  // Runs `sql` (without a FORMAT clause) and returns its rows, every field unescaped; NULL reads as "\N".
  core::Result<std::vector<std::vector<std::string>>> Query(std::string_view sql);
  // Sends `insert_sql` (INSERT ... FORMAT <format>) with `data` as the body.
  core::Status Insert(std::string_view insert_sql, std::string_view data);

 private:
  core::Result<std::string> Post(std::string_view query_param, std::string_view body, std::string_view what,
                                 std::string_view content_type);

  net::HttpClient& http_;
  ClickHouseEndpoint endpoint_;
};

}  // namespace datasync::storage::clickhouse
