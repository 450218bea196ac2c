#include "datasource/tushare/doc_catalog.hpp"

#include <deque>
#include <map>
#include <set>

namespace datasync::datasource::tushare {

std::string WithDocId(const std::string& url, int64_t doc_id) {
  std::string id = std::to_string(doc_id);
  size_t at = url.find("doc_id=");
  if (at == std::string::npos) return url + (url.find('?') == std::string::npos ? "?" : "&") + "doc_id=" + id;
  size_t end = at + 7;
  while (end < url.size() && std::isdigit(static_cast<unsigned char>(url[end]))) ++end;
  return url.substr(0, at + 7) + id + url.substr(end);
}

namespace {

struct Tree {
  std::map<int64_t, DocLink> nodes;
  std::vector<int64_t> order;  // first-seen order, which is the sidebar's order

  void Merge(const std::vector<DocLink>& links) {
    for (const auto& l : links) {
      auto [it, fresh] = nodes.emplace(l.doc_id, l);
      if (fresh) {
        order.push_back(l.doc_id);
      } else if (it->second.parent == 0 && l.parent != 0) {
        it->second.parent = l.parent;
      }
    }
  }
  std::vector<int64_t> ChildrenOf(int64_t parent) const {
    std::vector<int64_t> out;
    for (int64_t id : order) {
      if (nodes.at(id).parent == parent && id != parent) out.push_back(id);
    }
    return out;
  }
};

}  // namespace

core::Result<CatalogWalk> WalkCatalog(const std::string& start_url, const CatalogWalkOptions& options,
                                      const FetchPage& fetch, const Pause& pause,
                                      const std::function<void(const CatalogEntry&)>& on_entry) {
  CatalogWalk walk;
  Tree tree;
  std::set<int64_t> visited;
  std::deque<int64_t> queue;
  size_t fetched = 0;

  auto visit = [&](const std::string& url, int64_t id, const std::string* html_in) -> core::Result<bool> {
    std::string html;
    if (html_in) {
      html = *html_in;
    } else {
      if (fetched > 0 && options.delay.count() > 0) pause(options.delay);
      ++fetched;
    }
    CatalogEntry e;
    e.doc_id = id;
    e.url = url;
    if (auto it = tree.nodes.find(id); it != tree.nodes.end()) e.label = it->second.label;
    if (!html_in) {
      auto got = fetch(url);
      if (!got) {
        e.skipped = "cannot fetch: " + got.error().message();
        walk.entries.push_back(e);
        if (on_entry) on_entry(walk.entries.back());
        return false;
      }
      html = std::move(*got);
    }
    auto links = ParseSidebar(html, url);
    if (!links) {
      // A page too large or too deep to parse: neither its sidebar nor its content is read.
      e.skipped = links.error().message();
      walk.entries.push_back(std::move(e));
      if (on_entry) on_entry(walk.entries.back());
      return true;
    }
    tree.Merge(*links);
    if (e.label.empty()) {
      if (auto it = tree.nodes.find(id); it != tree.nodes.end()) e.label = it->second.label;
    }
    auto page = ParseDocPage(html, url);
    if (page) {
      e.page = std::move(*page);
    } else {
      // "doc page URL: no API name (...); is it a dataset page?" -> "no API name (...)".
      std::string why = page.error().message();
      if (size_t at = why.find(": "); why.starts_with("doc page ") && at != std::string::npos) why = why.substr(at + 2);
      if (size_t q = why.rfind("; is it a dataset page?"); q != std::string::npos) why.resize(q);
      e.skipped = "not a dataset page: " + why;
    }
    walk.entries.push_back(std::move(e));
    if (on_entry) on_entry(walk.entries.back());
    return true;
  };

  ++fetched;
  auto first = fetch(start_url);
  if (!first) return core::Fail(first.error());
  std::optional<int64_t> start_id = DocIdOf(start_url);
  if (start_id) {
    visited.insert(*start_id);
    if (auto st = visit(start_url, *start_id, &*first); !st) return core::Fail(st.error());
    for (int64_t c : tree.ChildrenOf(*start_id)) queue.push_back(c);
  } else {
    auto links = ParseSidebar(*first, start_url);
    if (!links) return core::Fail(links.error());
    tree.Merge(*links);
    for (int64_t c : tree.ChildrenOf(0)) queue.push_back(c);
  }
  while (!queue.empty()) {
    int64_t id = queue.front();
    queue.pop_front();
    if (!visited.insert(id).second) continue;
    if (fetched >= options.max_pages) {
      walk.truncated = true;
      break;
    }
    auto ok = visit(WithDocId(start_url, id), id, nullptr);
    if (!ok) return core::Fail(ok.error());
    for (int64_t c : tree.ChildrenOf(id)) {
      if (!visited.count(c)) queue.push_back(c);
    }
  }
  return walk;
}

}  // namespace datasync::datasource::tushare
