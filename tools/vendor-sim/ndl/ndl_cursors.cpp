#include "ndl/ndl_cursors.hpp"

#include "ndl/ndl_hash.hpp"
#include "sim_random.hpp"

namespace datasync::vendorsim::ndl {
namespace {

// base64url without padding, like the real service's opaque ids.
std::string Base64Url(const unsigned char* bytes, size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    acc = (acc << 8) | bytes[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(acc << (6 - bits)) & 63]);
  return out;
}

}  // namespace

std::string CursorStore::Issue(const std::string& fingerprint, const RowKey& next, int64_t now_ms, int64_t ttl_ms) {
  // The id is a function of (seed, query, position): asking for the same page again returns the same
  // cursor (its lifetime starts afresh), so answers are byte-for-byte reproducible.
  const uint64_t query = HashText(fingerprint);
  const uint64_t position = (static_cast<uint64_t>(next.ticker) << 40) ^ (static_cast<uint64_t>(next.dimension) << 32) ^
                            static_cast<uint32_t>(next.day);
  unsigned char bytes[18];
  const uint64_t parts[3] = {Hash3(seed_, query, position), Hash3(seed_, position, query),
                             Hash3(query, seed_, position ^ 0xc3)};
  for (size_t i = 0; i < sizeof bytes; ++i) bytes[i] = static_cast<unsigned char>(parts[i / 8] >> (8 * (i % 8)));
  std::string id = Base64Url(bytes, sizeof bytes);
  std::lock_guard lock(mutex_);
  DropExpired(now_ms);
  cursors_[id] = Entry{fingerprint, next, now_ms + ttl_ms};
  return id;
}

CursorStore::Lookup CursorStore::Find(const std::string& id, const std::string& fingerprint, int64_t now_ms,
                                      RowKey& next) {
  std::lock_guard lock(mutex_);
  const auto it = cursors_.find(id);
  if (it == cursors_.end()) return Lookup::kUnknown;
  if (now_ms >= it->second.expires_ms) {
    cursors_.erase(it);
    return Lookup::kExpired;
  }
  if (it->second.fingerprint != fingerprint) return Lookup::kOtherQuery;
  next = it->second.next;
  return Lookup::kOk;
}

size_t CursorStore::ExpireAll(int64_t now_ms) {
  std::lock_guard lock(mutex_);
  DropExpired(now_ms);
  const size_t live = cursors_.size();
  cursors_.clear();
  return live;
}

size_t CursorStore::Live(int64_t now_ms) const {
  std::lock_guard lock(mutex_);
  size_t n = 0;
  for (const auto& [id, e] : cursors_) n += now_ms < e.expires_ms ? 1 : 0;
  return n;
}

void CursorStore::DropExpired(int64_t now_ms) {
  for (auto it = cursors_.begin(); it != cursors_.end();) {
    it = now_ms >= it->second.expires_ms ? cursors_.erase(it) : std::next(it);
  }
}

}  // namespace datasync::vendorsim::ndl
