#include "binance/binance_state.hpp"

#include <nlohmann/json.hpp>

namespace datasync::vendorsim::binance {
namespace {

using OrderedJson = nlohmann::ordered_json;

OrderedJson CountsJson(const FaultCounts& c) {
  return OrderedJson{{"bad_checksum", c.bad_checksum},
                     {"truncated_zip", c.truncated_zip},
                     {"status_503", c.status_503},
                     {"status_429", c.status_429}};
}

// FaultCounts or const FaultCounts: the count of one kind.
template <typename Counts>
auto& Slot(Counts& c, FaultKind kind) {
  switch (kind) {
    case FaultKind::kBadChecksum: return c.bad_checksum;
    case FaultKind::kTruncatedZip: return c.truncated_zip;
    case FaultKind::kStatus503: return c.status_503;
    case FaultKind::kStatus429: return c.status_429;
  }
  return c.bad_checksum;  // unreachable: every kind is listed
}

}  // namespace

BinanceState::BinanceState(uint64_t seed, SimClock& clock, CallGate& gate) : seed_(seed), clock_(clock), gate_(gate) {}

int BinanceState::Revision(const std::string& zip_path) const {
  std::lock_guard lock(mutex_);
  const auto it = revisions_.find(zip_path);
  return it == revisions_.end() ? 0 : it->second;
}

int BinanceState::Regenerate(const std::string& zip_path) {
  std::lock_guard lock(mutex_);
  return ++revisions_[zip_path];
}

FaultCounts BinanceState::Faults() const {
  std::lock_guard lock(mutex_);
  return pending_;
}

FaultCounts BinanceState::SetFaults(const FaultCounts& counts) {
  std::lock_guard lock(mutex_);
  for (FaultKind kind :
       {FaultKind::kBadChecksum, FaultKind::kTruncatedZip, FaultKind::kStatus503, FaultKind::kStatus429}) {
    const int64_t n = Slot(counts, kind);
    if (n >= 0) Slot(pending_, kind) = n;
  }
  return pending_;
}

bool BinanceState::TakeFault(FaultKind kind) {
  std::lock_guard lock(mutex_);
  int64_t& pending = Slot(pending_, kind);
  if (pending <= 0) return false;
  --pending;
  ++Slot(injected_, kind);
  return true;
}

void BinanceState::CountZip(const std::string& path) {
  std::lock_guard lock(mutex_);
  ++zip_downloads_[path];
}

void BinanceState::CountChecksum(const std::string& path) {
  std::lock_guard lock(mutex_);
  ++checksum_downloads_[path];
}

void BinanceState::CountNotModified() {
  std::lock_guard lock(mutex_);
  ++not_modified_;
}

void BinanceState::CountNotFound() {
  std::lock_guard lock(mutex_);
  ++not_found_;
}

std::string BinanceState::StatsJson() const {
  std::lock_guard lock(mutex_);
  return OrderedJson{{"zip_downloads", zip_downloads_},
                     {"checksum_downloads", checksum_downloads_},
                     {"not_modified", not_modified_},
                     {"not_found", not_found_},
                     {"faults_injected", CountsJson(injected_)}}
      .dump();
}

void BinanceState::Reset() {
  std::lock_guard lock(mutex_);
  revisions_.clear();
  pending_ = {};
  injected_ = {};
  zip_downloads_.clear();
  checksum_downloads_.clear();
  not_modified_ = 0;
  not_found_ = 0;
}

std::string FaultCountsJson(const FaultCounts& counts) {
  return CountsJson(counts).dump();
}

}  // namespace datasync::vendorsim::binance
