// The web app's files, built into the binary from web/ (cmake/embed_web_assets.cmake writes the table).
#pragma once

#include <cstddef>

namespace datasync::api {

struct WebFile {
  const char* url;           // "/", "/assets/app.js", "/assets/vendor/htm-preact.mjs"
  const char* content_type;  // by the file's extension
  const unsigned char* data;
  size_t size;
};

extern const WebFile kWebFiles[];
extern const size_t kWebFileCount;

}  // namespace datasync::api
