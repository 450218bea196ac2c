// Fuzz target: the Tushare doc-page importer (datasource/tushare/doc_page.hpp over the HTML toolkit in
// datasource/html/), the code that reads untrusted vendor pages.
//
// Input: an HTML page. It is parsed as a doc page and as a sidebar, and a parsed page becomes a Dataset.
// Checks, besides the sanitizers, what doc_page.hpp promises about untrusted text (with checks written
// here, not the importer's own helpers): every param and field name is an identifier of at most 64 bytes,
// and titles, descriptions, types and sidebar labels hold no control characters and stay within their caps.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "datasource/tushare/doc_page.hpp"

namespace tushare = datasync::datasource::tushare;

namespace {

[[noreturn]] void Fail(const std::string& what) {
  std::fprintf(stderr, "doc page fuzz: %s\n", what.c_str());
  std::abort();
}

void CheckName(std::string_view kind, const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64 && !(name[0] >= '0' && name[0] <= '9');
  for (char c : name) {
    ok = ok && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
  }
  if (!ok) Fail(std::string(kind) + " name '" + name + "' is not an identifier");
}

void CheckText(std::string_view kind, const std::string& text, size_t cap) {
  if (text.size() > cap) Fail(std::string(kind) + " of " + std::to_string(text.size()) + " bytes exceeds its cap");
  for (unsigned char c : text) {
    if (c < 0x20 || c == 0x7f) Fail(std::string(kind) + " holds control character " + std::to_string(c));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view html(reinterpret_cast<const char*>(data), size);
  const std::string url = "https://tushare.pro/document/2?doc_id=27";
  if (auto page = tushare::ParseDocPage(html, url)) {
    CheckText("title", page->title, 200);
    CheckText("description", page->description, 2000);
    for (const auto& p : page->params) {
      CheckName("param", p.name);
      CheckText("param description", p.description, 2000);
      CheckText("param type", p.type, 32);
    }
    for (const auto& f : page->fields) {
      CheckName("field", f.name);
      CheckText("field description", f.description, 2000);
      CheckText("field type", f.vendor_type, 32);
    }
    if (!page->api.empty()) CheckName("api", page->api);
    auto dataset = tushare::ToDataset(*page, "tushare", "imported");
    if (dataset.schema && dataset.schema->size() != page->fields.size()) {
      Fail("the dataset has " + std::to_string(dataset.schema->size()) + " fields, the page " +
           std::to_string(page->fields.size()));
    }
  } else if (page.error().message().empty()) {
    Fail("a page refused without a message");
  }
  if (auto links = tushare::ParseSidebar(html, url)) {
    for (const auto& link : *links) CheckText("sidebar label", link.label, 200);
  } else if (links.error().message().empty()) {
    Fail("a sidebar refused without a message");
  }
  return 0;
}
