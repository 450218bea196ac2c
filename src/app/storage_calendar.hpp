// StorageCalendar: the scheduler's TradingCalendar read from the project's own data: the calendar dataset
// (exchange, cal_date, is_open; Tushare's trade_cal) in the first sqlite storage of a plan that syncs it.
// A calendar not synced yet reads as empty (the schedule then assumes Monday to Friday).
//
// This is the smallest reader that serves the scheduler. When the generic dataset-reading port of the
// argument generators lands on main (storage::DatasetReader), this class becomes a thin user of it.
//
// Lifecycle: constructed by App with a loader of the current catalog; Invalidate() after the catalog
// changed or a calendar plan ran, so the next Days() reads again. Thread-safety: every method may be
// called from any thread.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "storage/storage.hpp"
#include "sync/schedule.hpp"
#include "sync/sync_plan.hpp"

namespace datasync::app {

struct CalendarCatalog {
  std::vector<sync::SyncPlan> plans;
  std::vector<storage::Storage> storages;
};

class StorageCalendar final : public sync::TradingCalendar {
 public:
  using Loader = std::function<core::Result<CalendarCatalog>()>;
  StorageCalendar(std::filesystem::path project_root, Loader loader)
      : root_(std::move(project_root)), loader_(std::move(loader)) {}

  core::Result<std::map<int32_t, bool>> Days(const std::string& calendar, const std::string& exchange, int32_t first,
                                             int32_t last) override;
  void Invalidate();

 private:
  // The SQLite file and table holding `calendar`, from the catalog.
  core::Result<std::pair<std::filesystem::path, std::string>> Locate(const std::string& calendar);

  std::filesystem::path root_;
  Loader loader_;
  std::mutex mu_;
  std::optional<CalendarCatalog> catalog_;
  std::map<std::tuple<std::string, std::string, int32_t, int32_t>, std::map<int32_t, bool>> cache_;
};

}  // namespace datasync::app
