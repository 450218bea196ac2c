#include "alerting/channel_registry.hpp"

namespace datasync::alerting {

void ChannelRegistry::Register(ChannelInfo info) {
  infos_.push_back(std::move(info));
}

const ChannelInfo* ChannelRegistry::Find(std::string_view id) const {
  for (const auto& i : infos_) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

std::vector<std::string> ChannelRegistry::Ids() const {
  std::vector<std::string> ids;
  for (const auto& i : infos_) ids.push_back(i.id);
  return ids;
}

}  // namespace datasync::alerting
