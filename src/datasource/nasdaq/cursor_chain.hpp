// A Tables API task's chain of cursor pages, and how it survives an invalid cursor (QESx06): Nasdaq Data
// Link's configuration of the shared page chain (datasource/page_chain.hpp).
//
// The vendor pages a table answer with meta.next_cursor_id; a cursor expires, and a page asked with an
// expired one fails with QESx06. Every next-page request carries, besides qopts.cursor_id, the rows the
// chain has kept so far (kRowsParam); on QESx06 the decoder answers an empty page whose next request is the
// first page's params plus "drop the first N rows" (kSkipParam = the rows kept). This relies on the vendor
// answering a query in a stable order (Tables API answers are sorted by the table's key). kRestartsParam
// counts restarts; past kMaxRestarts the page fails. The names are stored with runs' tasks: they stay.
// These params start with '_' and are never sent (request_builder.hpp).
//
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "datasource/page_chain.hpp"
#include "datasource/provider.hpp"

namespace datasync::datasource::nasdaq {

inline constexpr std::string_view kCursorParam = "qopts.cursor_id";
inline constexpr std::string_view kRowsParam = "_ndl.rows";
inline constexpr std::string_view kSkipParam = "_ndl.skip";
inline constexpr std::string_view kRestartsParam = "_ndl.restarts";
inline constexpr int64_t kMaxRestarts = PageChain::kDefaultMaxRestarts;

struct ChainState {
  bool has_cursor = false;  // the request asks for a page after the first
  int64_t rows = 0;         // rows the chain kept before this request
  int64_t skip = 0;         // rows of this answer to drop (a restarted chain re-reading what it kept)
  int64_t restarts = 0;     // restarts so far
};

ChainState ReadChain(const Params& params);

// The shared chain with NDL's names.
const PageChain& NdlPageChain();

// After a page of `page_rows` rows (before dropping) that names `next_cursor`: the next request (the cursor
// set, rows and skip advanced); nullopt when there is no next cursor or it is the one just sent.
std::optional<Params> NextPageParams(const Params& request, std::string_view next_cursor, int64_t page_rows);

// How many of a page's `page_rows` rows the request drops from its start.
int64_t RowsToDrop(const Params& request, int64_t page_rows);

// After QESx06 on `request`: its chain from the first page again, dropping the rows it kept; nullopt when
// the request carried no cursor (nothing to restart) or the chain has restarted kMaxRestarts times.
std::optional<Params> RestartParams(const Params& request);

}  // namespace datasync::datasource::nasdaq
