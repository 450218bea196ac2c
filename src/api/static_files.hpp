// The web app's files (built in, api/web_assets.hpp) on the server: GET / (index.html) and /assets/...,
// each with an ETag (a client's If-None-Match gets 304), gzip when the client accepts it (cpp-httplib
// compresses text types), and the headers that keep the page from being framed or sniffed; the page's
// Content-Security-Policy allows scripts from this server only.
#pragma once

#include "api/bounded_server.hpp"

namespace datasync::api {

void AddStaticRoutes(BoundedServer& server);

}  // namespace datasync::api
