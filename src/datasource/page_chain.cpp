#include "datasource/page_chain.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace datasync::datasource {

namespace {

const std::string* Find(const Params& params, std::string_view name) {
  auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
  return it == params.end() ? nullptr : &it->second;
}

int64_t Count(const Params& params, std::string_view name) {
  if (name.empty()) return 0;
  const std::string* v = Find(params, name);
  if (!v) return 0;
  return std::max<int64_t>(0, core::ParseInt64(*v).value_or(0));
}

void Erase(Params& params, std::string_view name) {
  std::erase_if(params, [&](const auto& p) { return p.first == name; });
}

// `params` with `name` set to `value` (in place when present, appended otherwise), or without it when a
// count is 0: a first page carries none of the chain's params.
void SetCount(Params& params, std::string_view name, int64_t value) {
  if (name.empty()) return;
  if (value <= 0) {
    Erase(params, name);
    return;
  }
  auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
  if (it != params.end()) {
    it->second = std::to_string(value);
  } else {
    params.emplace_back(std::string(name), std::to_string(value));
  }
}

}  // namespace

PageChainState PageChain::Read(const Params& params) const {
  PageChainState s;
  for (const auto& name : names_.position) {
    if (const std::string* v = Find(params, name); v && !v->empty()) s.later_page = true;
  }
  s.rows = Count(params, names_.rows);
  s.skip = Count(params, names_.skip);
  s.restarts = Count(params, names_.restarts);
  s.page = Count(params, names_.page);
  return s;
}

int64_t PageChain::RowsToDrop(const Params& request, int64_t page_rows) const {
  return std::min(Read(request).skip, std::max<int64_t>(page_rows, 0));
}

Params PageChain::Advance(const Params& request, Params next, int64_t page_rows) const {
  PageChainState s = Read(request);
  int64_t dropped = RowsToDrop(request, page_rows);
  int64_t kept = std::max<int64_t>(page_rows, 0) - dropped;
  SetCount(next, names_.rows, s.rows + kept);
  SetCount(next, names_.skip, s.skip - dropped);
  SetCount(next, names_.page, s.page + 1);
  return next;
}

std::optional<Params> PageChain::Restart(const Params& request) const {
  PageChainState s = Read(request);
  if (!s.later_page || s.restarts >= max_restarts_) return std::nullopt;
  Params first = request;
  for (const auto& name : names_.position) Erase(first, name);
  // The chain still holds the rows it kept (`rows` stays: a second restart must drop them too); the
  // restarted answer begins at its first row, so all of them are dropped again.
  SetCount(first, names_.skip, s.rows);
  SetCount(first, names_.restarts, s.restarts + 1);
  SetCount(first, names_.page, 0);
  return first;
}

}  // namespace datasync::datasource
