// The documentation site: GET /document/2 (the index) and GET /document/2?doc_id=N, public like the real
// site (no token, no limits). Pages follow the runtime config's schema_change and doc_nesting.
#include <httplib.h>

#include <charconv>

#include "doc_pages.hpp"
#include "routes.hpp"
#include "sim_state.hpp"

namespace datasync::vendorsim {

void RegisterDocRoutes(httplib::Server& server, SimState& state) {
  server.Get("/document/2", [&state](const httplib::Request& req, httplib::Response& res) {
    std::optional<int> doc_id;
    if (req.has_param("doc_id")) {
      const std::string text = req.get_param_value("doc_id");
      int id = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), id);
      if (r.ec != std::errc() || r.ptr != text.data() + text.size()) id = -1;
      doc_id = id;
    }
    std::optional<std::string> page = RenderDocPage(doc_id, state.Config()->schema_change);
    if (!page) {
      res.status = 404;
      res.set_content("<html><body><h1>404 Not Found</h1><p>没有这个文档</p></body></html>\n",
                      "text/html; charset=utf-8");
      return;
    }
    // A hostile page [sim]: doc_nesting unclosed <div>s before </body>.
    if (const int64_t n = state.Config()->doc_nesting; n > 0) {
      std::string divs;
      divs.reserve(static_cast<size_t>(n) * 5);
      for (int64_t i = 0; i < n; ++i) divs += "<div>";
      const size_t at = page->rfind("</body>");
      page->insert(at == std::string::npos ? page->size() : at, divs);
    }
    res.set_content(std::move(*page), "text/html; charset=utf-8");
  });
}

}  // namespace datasync::vendorsim
