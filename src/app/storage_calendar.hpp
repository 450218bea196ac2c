// StorageCalendar: the scheduler's TradingCalendar read from the project's own data: the calendar dataset
// (its columns named by its datasource::CalendarMapping) through the storage read port (storage::DatasetReader),
// from the storage that LocalData resolves for it, the same one the `trading_days` argument source reads.
// A calendar not synced yet reads as empty (the schedule then assumes Monday to Friday).
//
// Lifecycle: constructed by App with a loader of the current catalog; Invalidate() after the catalog
// changed or a calendar plan ran, so the next Days() reads again. Thread-safety: every method may be
// called from any thread (one lock around the reader, which is one-thread-at-a-time).
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <tuple>

#include "app/local_data.hpp"
#include "datasource/dataset.hpp"
#include "sync/schedule.hpp"

namespace datasync::app {

struct CalendarCatalog {
  std::vector<sync::SyncPlan> plans;
  std::vector<storage::Storage> storages;
  std::map<std::string, datasource::CalendarMapping> calendars;  // dataset name -> its calendar mapping
};

class StorageCalendar final : public sync::TradingCalendar {
 public:
  using Loader = std::function<core::Result<CalendarCatalog>()>;
  StorageCalendar(const storage::SinkRegistry& sinks, std::filesystem::path project_root, Loader loader)
      : sinks_(sinks), root_(std::move(project_root)), loader_(std::move(loader)) {}

  core::Result<std::map<int32_t, bool>> Days(const std::string& calendar, const std::string& exchange, int32_t first,
                                             int32_t last) override;
  void Invalidate();

 private:
  const storage::SinkRegistry& sinks_;
  std::filesystem::path root_;
  Loader loader_;
  std::mutex mu_;
  std::unique_ptr<CalendarCatalog> catalog_;
  std::unique_ptr<LocalData> local_;
  std::map<std::tuple<std::string, std::string, int32_t, int32_t>, std::map<int32_t, bool>> cache_;
};

}  // namespace datasync::app
