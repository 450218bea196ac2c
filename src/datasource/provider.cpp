#include "datasource/provider.hpp"

namespace datasync::datasource {

std::optional<std::vector<Params>> Provider::Split(const FetchRequest&) const {
  return std::nullopt;
}

core::Result<RecordSample> Provider::Sample(const FetchRequest& request, const RawResponse&) const {
  return core::Fail(core::ErrorKind::kInvalidInput,
                    "dataset " + (request.dataset ? request.dataset->name : std::string("?")) +
                        ": its provider knows the fields of its datasets; nothing to infer from a sample");
}

std::optional<CalendarMapping> CalendarMappingOf(const Dataset& dataset, const ProviderInfo* provider) {
  if (dataset.calendar) return dataset.calendar;
  if (!provider || !provider->builtin_datasets) return std::nullopt;
  for (const auto& builtin : provider->builtin_datasets(dataset.source)) {
    if (builtin.api == dataset.api) return builtin.calendar;
  }
  return std::nullopt;
}

void ProviderRegistry::Register(ProviderInfo info) {
  infos_.push_back(std::move(info));
}

const ProviderInfo* ProviderRegistry::Find(std::string_view id) const {
  for (const auto& i : infos_) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

std::vector<std::string> ProviderRegistry::Ids() const {
  std::vector<std::string> ids;
  for (const auto& i : infos_) ids.push_back(i.id);
  return ids;
}

core::Result<core::TimeZone> LoadSourceTimeZone(const DataSource& source, std::string_view fallback) {
  auto tz = core::TimeZone::Load(source.timezone.empty() ? fallback : std::string_view(source.timezone));
  if (!tz) {
    core::Error e = tz.error();
    e.Context("sources." + source.name + ".timezone");
    return tl::unexpected(std::move(e));
  }
  return tz;
}

}  // namespace datasync::datasource
