// SlotStore: the scheduler's persistence port (implemented in metadata/ per system database backend).
// A slot is one fire time of one plan's schedule. Its row is created by exactly one process (the unique
// key (plan, slot_us) lets only one INSERT win), which owns it and executes it; several daemons on one
// system database therefore never run the same slot twice. An owner keeps its open slots alive with a
// heartbeat; the slots of an owner that stopped heartbeating (a crashed daemon) or released them (a daemon
// that shut down) are taken over by the next daemon, one UPDATE deciding who.
//
// Thread-safety: implementations must be safe to call from several threads and processes at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace datasync::sync {

enum class SlotState : uint8_t {
  kPending,  // fired; waiting for its upstream plans, an earlier slot of its plan, or a free worker
  kHeld,     // an upstream plan's run did not succeed; `note` says which
  kStarted,  // its run is executing (or resumes after a restart); run_id once the run exists
  kDone,     // its run finished (succeeded, failed or cancelled: see the run)
  kMissed,   // not run: not fired on time (misfire skip), or given up while held for a newer slot
};
std::string_view SlotStateName(SlotState s);  // "pending", "held", "started", "done", "missed"
std::optional<SlotState> ParseSlotState(std::string_view s);

struct ScheduleSlot {
  std::string plan;
  int64_t slot_us = 0;  // the fire time
  SlotState state = SlotState::kPending;
  int64_t run_id = 0;
  std::string owner;  // "pid@host" of the daemon that executes it; empty when released
  int64_t heartbeat_at_us = 0;
  std::string note;            // why held or missed, how many slots a misfire covered
  bool late_notified = false;  // the "plan late" alert for this slot went out
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
};

class SlotStore {
 public:
  virtual ~SlotStore() = default;

  // Inserts `slot` (owner, state and note as given) unless (plan, slot_us) exists. True when this call
  // created it: the caller owns the slot.
  virtual core::Result<bool> Claim(const ScheduleSlot& slot) = 0;
  virtual core::Result<std::optional<ScheduleSlot>> Get(const std::string& plan, int64_t slot_us) = 0;
  // The newest slot of `plan` at or before `at_or_before_us` (any state), if any.
  virtual core::Result<std::optional<ScheduleSlot>> Latest(const std::string& plan, int64_t at_or_before_us) = 0;
  // Pending, held and started slots of every plan and owner, oldest first.
  virtual core::Result<std::vector<ScheduleSlot>> OpenSlots() = 0;
  // Slots of `plan` (every plan when empty) with slot_us >= since_us, oldest first, at most `limit`.
  virtual core::Result<std::vector<ScheduleSlot>> List(const std::string& plan, int64_t since_us, size_t limit) = 0;
  // Writes state, run_id, note and late_notified of a slot that `owner` holds. False (nothing written)
  // when another process holds it now.
  virtual core::Result<bool> Update(const ScheduleSlot& slot, const std::string& owner) = 0;
  // The owner is alive: stamps its open slots.
  virtual core::Status Heartbeat(const std::string& owner, int64_t now_us) = 0;
  // Gives up the owner's open slots (a daemon shutting down), so the next daemon takes them at once.
  virtual core::Status Release(const std::string& owner) = 0;
  // Takes the open slots that are released or whose owner's heartbeat is older than stale_before_us.
  // Returns how many this call took.
  virtual core::Result<int64_t> TakeOver(const std::string& owner, int64_t now_us, int64_t stale_before_us) = 0;
};

}  // namespace datasync::sync
