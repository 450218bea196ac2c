// LocalData: how argument generators reach data the project already synced (ARCHITECTURE §9). It decides
// which storage holds a dataset for reading (a storage named in the template, else a readable storage of
// the plan that syncs the dataset) and opens that storage's DatasetReader through its sink's registry
// entry; it also reads a plan's checkpoint (the newest value of its dataset's date key). Validation
// (config.cpp) and runs (app.cpp) use the same resolution, so `validate` fails exactly when a run would.
//
// Lifecycle: one LocalData per run or `template test`; the GenerationContext it makes refers to it, so it
// must outlive the generator. Readers are opened on first use and cached per storage. Not thread-safe:
// each run makes its own, so runs on several threads share none.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "core/time_zone.hpp"
#include "datasource/dataset.hpp"
#include "generation/argument_generator.hpp"
#include "storage/sink.hpp"
#include "storage/storage.hpp"
#include "sync/sync_plan.hpp"

namespace datasync::app {

// The storage to read `dataset` from: `explicit_storage` when set (it must exist and be readable), else
// the first readable storage of the plans (by name) that sync the dataset. kNotFound for an unknown
// storage; kConfig saying what to change when there is none.
core::Result<std::string> ResolveReadStorage(const std::string& dataset, const std::string& explicit_storage,
                                             const std::vector<sync::SyncPlan>& plans,
                                             const std::vector<storage::Storage>& storages,
                                             const storage::SinkRegistry& sinks);

// The storage of `plan` whose data a command judges (repair, verify): `explicit_storage` when set (it must
// be one the plan writes to), else the plan's first readable storage. kInvalidInput, or kConfig saying what
// to change.
core::Result<std::string> ResolvePlanStorage(const sync::SyncPlan& plan, const std::string& explicit_storage,
                                             const std::vector<storage::Storage>& storages,
                                             const storage::SinkRegistry& sinks);

// The storage a plan's checkpoint is read from: its first readable storage.
core::Result<std::string> CheckpointStorage(const sync::SyncPlan& plan, const std::vector<storage::Storage>& storages,
                                            const storage::SinkRegistry& sinks);

// Kinds of storage datasync can read back, for messages ("sqlite").
std::string ReadableKinds(const storage::SinkRegistry& sinks);

class LocalData {
 public:
  LocalData(const storage::SinkRegistry& sinks, std::vector<storage::Storage> storages,
            std::vector<sync::SyncPlan> plans, std::filesystem::path project_dir);

  // A context whose readers and checkpoint come from this project. `plan` and `dataset` may be null (a
  // template tested on its own): since_checkpoint then fails with a message saying so.
  generation::GenerationContext Context(const core::Clock& clock, const core::TimeZone& tz, const sync::SyncPlan* plan,
                                        const datasource::Dataset* dataset);

  core::Result<std::shared_ptr<storage::DatasetReader>> Reader(const std::string& storage_name);
  const storage::SinkRegistry& sinks() const { return sinks_; }
  core::Result<std::optional<int32_t>> Checkpoint(const sync::SyncPlan& plan, const datasource::Dataset& dataset);

 private:
  const storage::SinkRegistry& sinks_;
  std::vector<storage::Storage> storages_;
  std::vector<sync::SyncPlan> plans_;
  std::filesystem::path project_dir_;
  std::map<std::string, std::shared_ptr<storage::DatasetReader>> readers_;
};

}  // namespace datasync::app
