#include "storage/clickhouse/clickhouse_client.hpp"

#include "core/excerpt.hpp"
#include "core/strings.hpp"
#include "net/http_client.hpp"

namespace datasync::storage::clickhouse {

using core::ErrorKind;
using core::Fail;

namespace {
constexpr std::string_view kText = "text/plain; charset=UTF-8";
}  // namespace

core::ErrorKind ClickHouseErrorKind(long status, int code) {
  switch (code) {
    // https://github.com/ClickHouse/ClickHouse/blob/v18.16.1-stable/dbms/src/Common/ErrorCodes.cpp
    case 159:  // TIMEOUT_EXCEEDED
    case 160:  // TOO_SLOW
    case 202:  // TOO_MANY_SIMULTANEOUS_QUERIES
    case 209:  // SOCKET_TIMEOUT
    case 210:  // NETWORK_ERROR
    case 241:  // MEMORY_LIMIT_EXCEEDED
    case 252:  // TOO_MANY_PARTS
    case 319:  // UNKNOWN_STATUS_OF_INSERT
    case 394:  // QUERY_WAS_CANCELLED
      return ErrorKind::kTransient;
    case 192:  // UNKNOWN_USER
    case 193:  // WRONG_PASSWORD
    case 194:  // REQUIRED_PASSWORD
    case 195:  // IP_ADDRESS_NOT_ALLOWED
    case 164:  // READONLY
    case 497:  // ACCESS_DENIED
    case 516:  // AUTHENTICATION_FAILED
      return ErrorKind::kPermission;
    case 6:    // CANNOT_PARSE_TEXT
    case 26:   // CANNOT_PARSE_QUOTED_STRING
    case 27:   // CANNOT_PARSE_INPUT_ASSERTION_FAILED
    case 38:   // CANNOT_PARSE_DATE
    case 41:   // CANNOT_PARSE_DATETIME
    case 53:   // TYPE_MISMATCH
    case 69:   // ARGUMENT_OUT_OF_BOUND
    case 70:   // CANNOT_CONVERT_TYPE
    case 72:   // CANNOT_PARSE_NUMBER
    case 117:  // INCORRECT_DATA
    case 349:  // CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN
      return ErrorKind::kInvalidInput;
    case 81:  // UNKNOWN_DATABASE
      return ErrorKind::kConfig;
    default: break;
  }
  if (status == 401 || status == 403) return ErrorKind::kPermission;
  if (status == 502 || status == 503 || status == 504) return ErrorKind::kTransient;
  return ErrorKind::kPermanent;
}

int ParseExceptionCode(std::string_view body) {
  auto at = body.find("Code: ");
  if (at == std::string_view::npos) return 0;
  int code = 0;
  for (size_t i = at + 6; i < body.size() && body[i] >= '0' && body[i] <= '9'; ++i) code = code * 10 + (body[i] - '0');
  return code;
}

std::string UnescapeTsv(std::string_view f) {
  std::string out;
  out.reserve(f.size());
  for (size_t i = 0; i < f.size(); ++i) {
    if (f[i] != '\\' || i + 1 == f.size()) {
      out.push_back(f[i]);
      continue;
    }
    char c = f[++i];
    switch (c) {
      case 't': out.push_back('\t'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case '0': out.push_back('\0'); break;
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'N': out.append("\\N"); break;
      default: out.push_back(c); break;
    }
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

core::Result<std::string> ClickHouseClient::Post(std::string_view query_param, std::string_view body,
                                                 std::string_view what, std::string_view content_type) {
  net::HttpRequest req;
  req.method = "POST";
  req.url = endpoint_.base_url;
  if (!query_param.empty()) req.url += "?query=" + UrlEncode(query_param);
  req.headers = {{"X-ClickHouse-User", endpoint_.user.empty() ? "default" : endpoint_.user},
                 {"Content-Type", std::string(content_type)}};
  if (!endpoint_.password.empty()) req.headers.emplace_back("X-ClickHouse-Key", endpoint_.password);
  req.body = std::string(body);
  auto resp = http_.Send(req);
  if (!resp) {
    core::Error e = resp.error();
    return Fail(
        core::Error(e.kind(), std::string(what) + " on " + endpoint_.display + ": " + e.message()).WithCode(e.code()));
  }
  if (resp->status == 200) return std::move(resp->body);
  int code = ParseExceptionCode(resp->body);
  // Excerpt redacts before it cuts: a cut through an echoed secret must not leave half of it.
  std::string msg = core::Excerpt(core::Trim(resp->body), 2000);
  core::Error e(ClickHouseErrorKind(resp->status, code),
                std::string(what) + " on " + endpoint_.display + ": HTTP " + std::to_string(resp->status) + ": " + msg);
  if (code) e.WithCode(std::to_string(code));
  return Fail(std::move(e));
}

core::Status ClickHouseClient::Execute(std::string_view sql) {
  auto body = Post("", sql, "statement failed", kText);
  if (!body) return Fail(body.error());
  return core::Ok();
}

core::Result<std::vector<std::vector<std::string>>> ClickHouseClient::Query(std::string_view sql) {
  auto body = Post("", std::string(sql) + " FORMAT TabSeparated", "query failed", kText);
  if (!body) return Fail(body.error());
  std::vector<std::vector<std::string>> rows;
  size_t pos = 0;
  while (pos < body->size()) {
    size_t end = body->find('\n', pos);
    if (end == std::string::npos) end = body->size();
    std::string_view line(body->data() + pos, end - pos);
    pos = end + 1;
    std::vector<std::string> row;
    for (const auto& f : core::Split(line, '\t')) row.push_back(UnescapeTsv(f));
    rows.push_back(std::move(row));
  }
  return rows;
}

core::Status ClickHouseClient::Insert(std::string_view insert_sql, std::string_view data) {
  auto body = Post(insert_sql, data, "insert failed", "application/octet-stream");
  if (!body) return Fail(body.error());
  return core::Ok();
}

}  // namespace datasync::storage::clickhouse
