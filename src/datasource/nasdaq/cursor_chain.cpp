#include "datasource/nasdaq/cursor_chain.hpp"

#include <algorithm>

namespace datasync::datasource::nasdaq {

const PageChain& NdlPageChain() {
  static const PageChain chain(PageChainNames{.position = {std::string(kCursorParam)},
                                              .rows = std::string(kRowsParam),
                                              .skip = std::string(kSkipParam),
                                              .restarts = std::string(kRestartsParam),
                                              .page = {}},
                               kMaxRestarts);
  return chain;
}

ChainState ReadChain(const Params& params) {
  PageChainState s = NdlPageChain().Read(params);
  return ChainState{.has_cursor = s.later_page, .rows = s.rows, .skip = s.skip, .restarts = s.restarts};
}

int64_t RowsToDrop(const Params& request, int64_t page_rows) {
  return NdlPageChain().RowsToDrop(request, page_rows);
}

std::optional<Params> NextPageParams(const Params& request, std::string_view next_cursor, int64_t page_rows) {
  if (next_cursor.empty()) return std::nullopt;
  auto sent = std::find_if(request.begin(), request.end(), [](const auto& p) { return p.first == kCursorParam; });
  if (sent != request.end() && sent->second == next_cursor) return std::nullopt;
  Params next = request;
  auto at = std::find_if(next.begin(), next.end(), [](const auto& p) { return p.first == kCursorParam; });
  if (at != next.end()) {
    at->second = std::string(next_cursor);
  } else {
    next.emplace_back(std::string(kCursorParam), std::string(next_cursor));
  }
  return NdlPageChain().Advance(request, std::move(next), page_rows);
}

std::optional<Params> RestartParams(const Params& request) {
  return NdlPageChain().Restart(request);
}

}  // namespace datasync::datasource::nasdaq
