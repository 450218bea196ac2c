#include "datasource/request_shaping.hpp"

namespace datasync::datasource {

PageVerdict RequestShaping::Judge(const Params& request, const ResponseSignals& signals) const {
  bool more = signals.has_more || (signals.row_cap > 0 && signals.rows >= signals.row_cap);
  if (!more) return PageVerdict::Complete();
  if (pager) {
    if (auto next = pager->Next(request, PageInfo{signals.rows, signals.cursor})) {
      return PageVerdict::NextPage(std::move(*next));
    }
  }
  return PageVerdict::Truncated("response of " + std::to_string(signals.rows) + " rows hit the row cap (" +
                                std::to_string(signals.row_cap) + ") or has_more: splitting");
}

std::optional<std::vector<Params>> RequestShaping::Split(const Params& request) const {
  for (const auto& s : splitters) {
    if (auto parts = s->Split(request)) return parts;
  }
  return std::nullopt;
}

}  // namespace datasync::datasource
