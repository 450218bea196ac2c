// A task's chain of pages, and how it starts again from its first page without storing a row twice.
//
// A paged answer is read as a chain of tasks: each page's verdict asks for the next (provider.hpp), and the
// engine stores every page as it comes, treating params as opaque. When the vendor refuses a page after the
// first (an expired cursor: Nasdaq Data Link's QESx06, a rest rule of class RESTART_PAGING), the pages
// already stored cannot be taken back, so the provider restarts the chain itself: every next-page request
// carries, besides the params that position it (a cursor, an offset, a page number, a next URL), the rows
// the chain has kept so far (`rows`). A restart answers an empty page whose next request is the first
// page's params (the positioning params removed) plus "drop the first N rows" (`skip` = the rows kept);
// the restarted chain's pages drop those rows before keeping any. This relies on the vendor answering a
// query in a stable order. `restarts` counts restarts (and keeps each restart's tasks distinct); past
// max_restarts the page fails. `page`, when named, counts the pages before a request, so that a provider
// can stop an answer that pages forever.
//
// The internal params' names start with '_' (providers never send such params) and are stored with a run's
// tasks, so a provider keeps its names once chosen: Nasdaq Data Link's are _ndl.rows/_ndl.skip/_ndl.restarts
// (nasdaq/cursor_chain.hpp), rest's _rest.rows/_rest.skip/_rest.restarts/_rest.page.
//
// Immutable once built; thread-safe. Pure functions of the params.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "datasource/provider.hpp"

namespace datasync::datasource {

struct PageChainNames {
  std::vector<std::string> position;  // params that place a page after the first (a non-empty one = a later page)
  std::string rows;                   // rows the chain kept before this request
  std::string skip;                   // rows of this answer to drop
  std::string restarts;               // restarts so far
  std::string page;                   // pages of the chain before this request; empty: not counted
};

struct PageChainState {
  bool later_page = false;  // the request carries a positioning param: a page after the first
  int64_t rows = 0;
  int64_t skip = 0;
  int64_t restarts = 0;
  int64_t page = 0;  // 0 for the first page (of the chain, or of a restarted chain)

  // A page of a chain already under way (a later page, or the first page of a restarted chain): such a
  // request is never narrowed, its halves would carry the chain's bookkeeping twice.
  bool InChain() const { return later_page || rows > 0 || skip > 0 || page > 0; }
};

class PageChain {
 public:
  static constexpr int64_t kDefaultMaxRestarts = 5;

  explicit PageChain(PageChainNames names, int64_t max_restarts = kDefaultMaxRestarts)
      : names_(std::move(names)), max_restarts_(max_restarts) {}

  const PageChainNames& names() const { return names_; }
  int64_t max_restarts() const { return max_restarts_; }

  PageChainState Read(const Params& params) const;

  // How many of a page's `page_rows` rows (as the vendor sent them) the request drops from its start.
  int64_t RowsToDrop(const Params& request, int64_t page_rows) const;

  // `next` (the request after `request`, positioned by the provider's pager) with the chain's bookkeeping
  // advanced past a page of `page_rows` rows before dropping: rows and skip moved on, the page counted.
  Params Advance(const Params& request, Params next, int64_t page_rows) const;

  // After a refused later page: its chain from the first page again (positioning params removed, the page
  // count reset), dropping the rows it kept; nullopt when the request is not a later page (nothing to
  // restart) or the chain has restarted max_restarts times.
  std::optional<Params> Restart(const Params& request) const;

 private:
  PageChainNames names_;
  int64_t max_restarts_;
};

}  // namespace datasync::datasource
