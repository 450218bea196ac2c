#include "sync/slot_store.hpp"

#include <array>

namespace datasync::sync {

namespace {
constexpr std::array<std::string_view, 5> kSlotStates = {"pending", "held", "started", "done", "missed"};
}  // namespace

std::string_view SlotStateName(SlotState s) {
  return kSlotStates.at(static_cast<size_t>(s));
}

std::optional<SlotState> ParseSlotState(std::string_view s) {
  for (size_t i = 0; i < kSlotStates.size(); ++i) {
    if (kSlotStates[i] == s) return static_cast<SlotState>(i);
  }
  return std::nullopt;
}

}  // namespace datasync::sync
