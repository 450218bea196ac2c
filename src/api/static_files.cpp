#include "api/static_files.hpp"

#include <map>
#include <memory>
#include <string>

#include "api/web_assets.hpp"
#include "core/digest.hpp"

namespace datasync::api {

namespace {

struct Served {
  const WebFile* file = nullptr;
  std::string etag;
};

constexpr const char* kPagePolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

}  // namespace

void AddStaticRoutes(BoundedServer& server) {
  auto files = std::make_shared<std::map<std::string, Served>>();
  for (size_t i = 0; i < kWebFileCount; ++i) {
    const WebFile& f = kWebFiles[i];
    std::string digest = core::Sha256Hex(std::string_view(reinterpret_cast<const char*>(f.data), f.size));
    (*files)[f.url] = Served{&f, "\"" + digest.substr(0, 32) + "\""};
  }
  auto serve = [files](const std::string& url, const httplib::Request& req, httplib::Response& res) {
    auto it = files->find(url);
    if (it == files->end()) {
      res.status = 404;
      res.set_content("no such file\n", "text/plain; charset=utf-8");
      return;
    }
    const Served& s = it->second;
    res.set_header("ETag", s.etag);
    res.set_header("Cache-Control", "no-cache");  // revalidate: a new binary serves new files at once
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    if (url == "/") {
      res.set_header("Content-Security-Policy", kPagePolicy);
      res.set_header("X-Frame-Options", "DENY");
    }
    if (req.get_header_value("If-None-Match") == s.etag) {
      res.status = 304;
      return;
    }
    res.set_content(reinterpret_cast<const char*>(s.file->data), s.file->size, s.file->content_type);
  };
  server.Route("GET", "/", [serve](const httplib::Request& req, httplib::Response& res) { serve("/", req, res); });
  server.Route("GET", R"(/assets/[A-Za-z0-9._/-]{1,200})",
               [serve](const httplib::Request& req, httplib::Response& res) { serve(req.path, req, res); });
}

}  // namespace datasync::api
