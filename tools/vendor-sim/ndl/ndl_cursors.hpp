// CursorStore: the simulator's Tables API cursors. A cursor is an opaque id for "the rest of this query
// from this row on": it remembers the query's fingerprint and the next row's key, answers only that
// query, and expires `ttl` after it was issued on the simulator's clock, or at once through ExpireAll()
// (the admin API). A cursor may be used again until it expires (a client retrying a page after a
// network error gets the same page); the id is derived from the query and the position, so the same page
// always carries the same next cursor. Thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "ndl/ndl_tables.hpp"

namespace datasync::vendorsim::ndl {

class CursorStore {
 public:
  explicit CursorStore(uint64_t seed) : seed_(seed) {}

  // Issues a cursor for `fingerprint` continuing at `next`, valid until now + ttl.
  std::string Issue(const std::string& fingerprint, const RowKey& next, int64_t now_ms, int64_t ttl_ms);

  enum class Lookup { kOk, kUnknown, kExpired, kOtherQuery };
  // The row the cursor continues at, when it is known, unexpired and was issued for this query.
  Lookup Find(const std::string& id, const std::string& fingerprint, int64_t now_ms, RowKey& next);

  // Expires every cursor issued so far; returns how many were live.
  size_t ExpireAll(int64_t now_ms);
  size_t Live(int64_t now_ms) const;

 private:
  struct Entry {
    std::string fingerprint;
    RowKey next;
    int64_t expires_ms;
  };
  void DropExpired(int64_t now_ms);  // requires mutex_

  const uint64_t seed_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> cursors_;
};

}  // namespace datasync::vendorsim::ndl
