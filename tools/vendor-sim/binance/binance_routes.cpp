// The archive's file routes: GET (and HEAD) of a kline zip or its .CHECKSUM under /data/. Checks, in order:
// the path names a known symbol, interval and date; the file's period ends after the symbol's listing; the
// call gate; the file is published at the simulator's clock; the status faults (zip only); the conditions
// (If-None-Match, else If-Modified-Since); the body faults. Every other path under /data/ is S3's
// NoSuchKey. HEAD answers like GET without a body and neither counts nor consumes a fault.
#include "binance/binance_routes.hpp"

#include <httplib.h>

#include <memory>

#include "binance/archive_file.hpp"
#include "binance/binance_state.hpp"
#include "binance/digest.hpp"
#include "binance/http_date.hpp"
#include "call_gate.hpp"
#include "sim_clock.hpp"

namespace datasync::vendorsim::binance {
namespace {

constexpr const char* kXmlType = "application/xml";
constexpr const char* kZipType = "application/zip";
constexpr const char* kChecksumType = "text/plain";

// S3 sends objects and errors as stored, whatever the client's Accept-Encoding. httplib gzips a plain body
// of a text/… or …/xml type for a client that accepts gzip, but never a content provider of known length.
void SetBody(httplib::Response& res, std::string body, const char* content_type) {
  auto shared = std::make_shared<const std::string>(std::move(body));
  res.set_content_provider(shared->size(), content_type,
                           [shared](size_t offset, size_t length, httplib::DataSink& sink) {
                             return sink.write(shared->data() + offset, length);
                           });
}

void RespondXmlError(httplib::Response& res, int status, std::string_view code, std::string_view message,
                     std::string_view key = {}) {
  std::string body = R"(<?xml version="1.0" encoding="UTF-8"?><Error><Code>)";
  body.append(code).append("</Code><Message>").append(message).append("</Message>");
  if (!key.empty()) body.append("<Key>").append(key).append("</Key>");
  body.append("</Error>");
  res.status = status;
  SetBody(res, std::move(body), kXmlType);
}

// The object key is the path without its leading slash. Paths come from httplib's decoded request path,
// which a route regex has already limited to /data/…; XML-escape them anyway.
std::string XmlEscaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
}

void RespondNoSuchKey(httplib::Response& res, const std::string& path) {
  RespondXmlError(res, 404, "NoSuchKey", "The specified key does not exist.", XmlEscaped(path.substr(1)));
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// If-None-Match: "*" or a comma-separated list of entity tags, compared weakly (RFC 9110 §13.1.2).
bool NoneMatchFails(std::string_view header, std::string_view etag) {
  const auto opaque = [](std::string_view tag) { return tag.substr(0, 2) == "W/" ? tag.substr(2) : tag; };
  while (!header.empty()) {
    const size_t comma = header.find(',');
    const std::string_view tag = Trim(header.substr(0, comma));
    if (tag == "*" || opaque(tag) == opaque(etag)) return true;
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

// RFC 9110 §13.2.2: If-None-Match when present, else If-Modified-Since (ignored unless a valid date).
bool NotModified(const httplib::Request& req, std::string_view etag, int64_t last_modified_secs) {
  if (req.has_header("If-None-Match")) return NoneMatchFails(req.get_header_value("If-None-Match"), etag);
  if (!req.has_header("If-Modified-Since")) return false;
  const std::optional<int64_t> since = ParseHttpDate(Trim(req.get_header_value("If-Modified-Since")));
  return since && last_modified_secs <= *since;
}

void Handle(BinanceState& state, const httplib::Request& req, httplib::Response& res) {
  // Counted like the other vendors' calls, so a test's virtual clock never moves while one is handled.
  const CallGate::InFlight in_flight(state.gate());
  const bool head = req.method == "HEAD";
  const std::string& path = req.path;
  const auto not_found = [&] {
    if (!head) state.CountNotFound();
    RespondNoSuchKey(res, path);
  };
  const std::optional<ArchivePath> file = ParseArchivePath(path);
  if (!file || !file->Listed()) return not_found();

  // [sim] A request naming a listed file, published yet or not, waits at the test's call gate; publication
  // is judged on the clock in force when it passes.
  state.gate().Pass();
  if (state.clock().NowMs() < file->EndMs()) return not_found();

  if (!file->checksum && !head) {
    if (state.TakeFault(FaultKind::kStatus503)) {
      return RespondXmlError(res, 503, "SlowDown", "Please reduce your request rate.");
    }
    if (state.TakeFault(FaultKind::kStatus429)) {
      res.set_header("Retry-After", "2");
      return RespondXmlError(res, 429, "TooManyRequests", "Too many requests. Please retry later.");
    }
  }

  ArchiveFile archive = RenderArchive(*file, state.seed(), state.Revision(file->ZipPath()));
  std::string body = file->checksum ? ChecksumBody(archive.sha256_hex, *file) : std::move(archive.zip);
  std::string etag = file->checksum ? EtagOf(body) : archive.etag;
  res.set_header("Last-Modified", FormatHttpDate(archive.last_modified_secs));
  if (NotModified(req, etag, archive.last_modified_secs)) {
    if (!head) state.CountNotModified();
    res.status = 304;
    res.set_header("ETag", etag);
    // RFC 9110 §8.6: a 304 may carry Content-Length only with the 200's value (httplib would send 0).
    res.set_header("Content-Length", std::to_string(body.size()));
    return;
  }

  if (file->checksum) {
    if (!head && state.TakeFault(FaultKind::kBadChecksum)) {
      // A well-formed line with the hash of other bytes (the first half of the zip).
      const std::string_view zip = archive.zip;
      body = ChecksumBody(Sha256Hex(zip.substr(0, zip.size() / 2)), *file);
      etag = EtagOf(body);
    }
    if (!head) state.CountChecksum(path);
  } else {
    // The ETag stays the whole object's, as when a transfer breaks off: a client can tell by the MD5.
    if (!head && state.TakeFault(FaultKind::kTruncatedZip)) body.resize(body.size() / 2);
    if (!head) state.CountZip(path);
  }
  res.status = 200;
  res.set_header("ETag", etag);
  res.set_header("Accept-Ranges", "bytes");
  SetBody(res, std::move(body), file->checksum ? kChecksumType : kZipType);
}

}  // namespace

void RegisterBinanceRoutes(httplib::Server& server, BinanceState& state) {
  // httplib answers HEAD with the GET handler and drops the body.
  server.Get(R"(/data/.*)", [&state](const httplib::Request& req, httplib::Response& res) { Handle(state, req, res); });
}

}  // namespace datasync::vendorsim::binance
