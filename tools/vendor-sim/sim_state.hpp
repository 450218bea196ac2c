// SimState: what the simulator's request handlers share: the fixed start-up config, the synthetic
// market, the clock, the usage ledger, the call gate, the load counters and the current runtime config.
// Created once before the server starts and destroyed after it stops. Thread-safety: calendar/market/apis
// are immutable; clock, ledger, gate and load are internally synchronised; the runtime config is read as an
// immutable snapshot (Config()) and replaced whole (ReplaceConfig()).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "call_gate.hpp"
#include "data_apis.hpp"
#include "market_data.hpp"
#include "server_load.hpp"
#include "sim_clock.hpp"
#include "sim_config.hpp"
#include "trading_calendar.hpp"
#include "usage_ledger.hpp"

namespace datasync::vendorsim {

class SimState {
 public:
  SimState(StartupConfig startup, RuntimeConfig runtime);

  const StartupConfig& startup() const { return startup_; }
  const TradingCalendar& calendar() const { return calendar_; }
  const MarketData& market() const { return market_; }
  const DataApis& apis() const { return apis_; }
  SimClock& clock() { return clock_; }
  UsageLedger& ledger() { return ledger_; }
  CallGate& gate() { return gate_; }
  ServerLoad& load() { return load_; }

  std::shared_ptr<const RuntimeConfig> Config() const;
  void ReplaceConfig(RuntimeConfig config);

  // The last trading day whose bars are published at `now_ms`: data for day D appears at 16:00
  // Asia/Shanghai on D (Tushare loads daily bars between 15:00 and 16:00), or every day with
  // --serve-future.
  int PublishedThrough(int64_t now_ms) const;

  // Sequence numbers: every data-API request, and every accepted call (the fault draws use the latter,
  // so a given call order always meets the same faults).
  uint64_t NextRequest() { return request_seq_.fetch_add(1, std::memory_order_relaxed); }
  uint64_t NextAccepted() { return accepted_seq_.fetch_add(1, std::memory_order_relaxed); }

 private:
  const StartupConfig startup_;
  const TradingCalendar calendar_;
  const MarketData market_;
  const DataApis apis_;
  SimClock clock_;
  UsageLedger ledger_;
  CallGate gate_;
  ServerLoad load_;
  mutable std::mutex config_mutex_;
  std::shared_ptr<const RuntimeConfig> config_;
  std::atomic<uint64_t> request_seq_{0};
  std::atomic<uint64_t> accepted_seq_{0};
};

}  // namespace datasync::vendorsim
