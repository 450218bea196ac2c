#include "core/delay_point.hpp"

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace datasync::core {
namespace {

struct Delay {
  std::string name;
  std::chrono::milliseconds ms;
};

std::vector<Delay>* Load() {
#ifdef DATASYNC_TEST_HOOKS
  const char* env = std::getenv("DATASYNC_DELAY_AT");
  if (env == nullptr || *env == '\0') return nullptr;
  auto* delays = new std::vector<Delay>;
  std::string text = env;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    if (auto eq = item.find('='); eq != std::string::npos) {
      delays->push_back({item.substr(0, eq), std::chrono::milliseconds(std::atoll(item.c_str() + eq + 1))});
    }
    start = end + 1;
  }
  return delays;
#else
  return nullptr;
#endif
}

std::vector<Delay>* Points() {
  static std::vector<Delay>* points = Load();
  return points;
}

}  // namespace

bool DelayPointsArmed() {
  return Points() != nullptr;
}

void DelayPointSlow(std::string_view name, std::string_view detail) {
  auto* points = Points();
  if (!points) return;
  for (const auto& d : *points) {
    std::string_view armed = d.name;
    bool match = armed == name;
    if (!match && armed.size() > name.size() && armed.starts_with(name) && armed[name.size()] == ':') {
      match = detail.starts_with(armed.substr(name.size() + 1));
    }
    if (match) std::this_thread::sleep_for(d.ms);
  }
}

}  // namespace datasync::core
