#include "datasource/nasdaq/cursor_chain.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace datasync::datasource::nasdaq {

namespace {

const std::string* Find(const Params& params, std::string_view name) {
  auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
  return it == params.end() ? nullptr : &it->second;
}

int64_t Count(const Params& params, std::string_view name) {
  const std::string* v = Find(params, name);
  if (!v) return 0;
  return std::max<int64_t>(0, core::ParseInt64(*v).value_or(0));
}

// `params` without `name`.
void Erase(Params& params, std::string_view name) {
  std::erase_if(params, [&](const auto& p) { return p.first == name; });
}

// `params` with `name` set to `value` (in place when present), or without it when `value` is 0 / empty.
void Set(Params& params, std::string_view name, std::string value, bool keep) {
  if (!keep) {
    Erase(params, name);
    return;
  }
  auto it = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == name; });
  if (it != params.end()) {
    it->second = std::move(value);
  } else {
    params.emplace_back(std::string(name), std::move(value));
  }
}

}  // namespace

ChainState ReadChain(const Params& params) {
  ChainState s;
  const std::string* cursor = Find(params, kCursorParam);
  s.has_cursor = cursor && !cursor->empty();
  s.rows = Count(params, kRowsParam);
  s.skip = Count(params, kSkipParam);
  s.restarts = Count(params, kRestartsParam);
  return s;
}

int64_t RowsToDrop(const Params& request, int64_t page_rows) {
  return std::min(ReadChain(request).skip, std::max<int64_t>(page_rows, 0));
}

std::optional<Params> NextPageParams(const Params& request, std::string_view next_cursor, int64_t page_rows) {
  if (next_cursor.empty()) return std::nullopt;
  if (const std::string* sent = Find(request, kCursorParam); sent && *sent == next_cursor) return std::nullopt;
  ChainState s = ReadChain(request);
  int64_t dropped = RowsToDrop(request, page_rows);
  int64_t kept = std::max<int64_t>(page_rows, 0) - dropped;
  Params next = request;
  Set(next, kCursorParam, std::string(next_cursor), true);
  Set(next, kRowsParam, std::to_string(s.rows + kept), s.rows + kept > 0);
  Set(next, kSkipParam, std::to_string(s.skip - dropped), s.skip - dropped > 0);
  return next;
}

std::optional<Params> RestartParams(const Params& request) {
  ChainState s = ReadChain(request);
  if (!s.has_cursor || s.restarts >= kMaxRestarts) return std::nullopt;
  Params first = request;
  Erase(first, kCursorParam);
  // The chain still holds the rows it kept (kRowsParam stays: a second restart must drop them too); the
  // restarted answer begins at its first row, so all of them are dropped again.
  Set(first, kSkipParam, std::to_string(s.rows), s.rows > 0);
  Set(first, kRestartsParam, std::to_string(s.restarts + 1), true);
  return first;
}

}  // namespace datasync::datasource::nasdaq
