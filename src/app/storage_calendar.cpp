#include "app/storage_calendar.hpp"

#include "core/dates.hpp"

namespace datasync::app {

namespace {

std::optional<int32_t> DayOf(const core::Value& v) {
  if (v.type.id == core::TypeId::kDate) return std::get<int32_t>(v.v);
  return core::ParseDate(v.ToString());
}

}  // namespace

void StorageCalendar::Invalidate() {
  std::lock_guard lock(mu_);
  local_.reset();
  catalog_.reset();
  cache_.clear();
}

core::Result<std::map<int32_t, bool>> StorageCalendar::Days(const std::string& calendar, const std::string& exchange,
                                                            int32_t first, int32_t last) {
  std::lock_guard lock(mu_);
  auto key = std::make_tuple(calendar, exchange, first, last);
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  if (!local_) {
    auto loaded = loader_();
    if (!loaded) return core::Fail(loaded.error());
    catalog_ = std::make_unique<CalendarCatalog>(std::move(*loaded));
    local_ = std::make_unique<LocalData>(sinks_, catalog_->storages, catalog_->plans, root_);
  }
  auto where = ResolveReadStorage(calendar, "", catalog_->plans, catalog_->storages, sinks_);
  if (!where) return core::Fail(where.error().Context("trading calendar '" + calendar + "'"));
  auto mapping = catalog_->calendars.find(calendar);
  if (mapping == catalog_->calendars.end()) {
    return core::Fail(core::ErrorKind::kConfig, "trading calendar '" + calendar +
                                                    "': the dataset has no calendar mapping (declare datasets." +
                                                    calendar + ".calendar: {date, open, exchange})");
  }
  const datasource::CalendarMapping& cal = mapping->second;
  auto reader = local_->Reader(*where);
  if (!reader) return core::Fail(reader.error());
  std::map<int32_t, bool> days;
  // Nothing synced yet: every day is unknown (and is read again next time, not cached).
  auto newest = (*reader)->MaxValue(calendar, cal.date);
  if (!newest) return core::Fail(newest.error());
  if (!*newest) return days;
  storage::ReadQuery q;
  q.dataset = calendar;
  q.column = cal.date;
  q.equals = {{cal.exchange, exchange}};
  q.min = core::FormatCompactDate(first);
  q.max = core::FormatCompactDate(last);
  auto known = (*reader)->DistinctValues(q);
  if (!known) return core::Fail(known.error());
  for (const auto& v : *known) {
    if (auto d = DayOf(v)) days[*d] = false;
  }
  q.equals.emplace_back(cal.open, cal.open_value);
  auto open = (*reader)->DistinctValues(q);
  if (!open) return core::Fail(open.error());
  for (const auto& v : *open) {
    if (auto d = DayOf(v)) days[*d] = true;
  }
  cache_[key] = days;
  return days;
}

}  // namespace datasync::app
