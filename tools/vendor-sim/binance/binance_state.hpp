// BinanceState: what the Binance archive routes share: the seed, the simulator's clock and call gate
// (borrowed from SimState, which outlives it), each file's revision (bumped by the admin API when the test
// "regenerates" a file), the pending one-shot faults and the download counters. Created before the server
// starts, destroyed after it stops. Thread-safety: every method may be called from any worker thread; the
// revisions, faults and counters sit under one mutex, held only for map updates (never while a file is
// rendered).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace datasync::vendorsim {
class SimClock;
class CallGate;
}  // namespace datasync::vendorsim

namespace datasync::vendorsim::binance {

// Counts of the next answers to spoil, per kind; 0 = off.
struct FaultCounts {
  int64_t bad_checksum = 0;   // the next N CHECKSUM answers carry a wrong hash
  int64_t truncated_zip = 0;  // the next N zip bodies are cut to half (status 200, matching Content-Length)
  int64_t status_503 = 0;     // the next N zip requests answer 503 SlowDown
  int64_t status_429 = 0;     // the next N zip requests answer 429 with Retry-After: 2
};

enum class FaultKind { kBadChecksum, kTruncatedZip, kStatus503, kStatus429 };

class BinanceState {
 public:
  BinanceState(uint64_t seed, SimClock& clock, CallGate& gate);

  uint64_t seed() const { return seed_; }
  SimClock& clock() { return clock_; }
  CallGate& gate() { return gate_; }

  // Keyed by the zip's path (ArchivePath::ZipPath()); 0 until regenerated.
  int Revision(const std::string& zip_path) const;
  int Regenerate(const std::string& zip_path);

  FaultCounts Faults() const;
  // Replaces the counts given (a count < 0 leaves that kind unchanged).
  FaultCounts SetFaults(const FaultCounts& counts);
  // Consumes one pending fault of this kind; false when none is pending.
  bool TakeFault(FaultKind kind);

  void CountZip(const std::string& path);
  void CountChecksum(const std::string& path);
  void CountNotModified();
  void CountNotFound();

  // {"zip_downloads":{path:n,…},"checksum_downloads":{…},"not_modified":n,"not_found":n,
  //  "faults_injected":{"bad_checksum":n,…}}
  std::string StatsJson() const;
  // Clears the counters, the pending faults and every revision.
  void Reset();

 private:
  const uint64_t seed_;
  SimClock& clock_;
  CallGate& gate_;
  mutable std::mutex mutex_;
  std::map<std::string, int> revisions_;
  FaultCounts pending_;
  FaultCounts injected_;
  std::map<std::string, int64_t> zip_downloads_;
  std::map<std::string, int64_t> checksum_downloads_;
  int64_t not_modified_ = 0;
  int64_t not_found_ = 0;
};

// {"bad_checksum":n,"truncated_zip":n,"status_503":n,"status_429":n}
std::string FaultCountsJson(const FaultCounts& counts);

}  // namespace datasync::vendorsim::binance
