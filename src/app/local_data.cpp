#include "app/local_data.hpp"

#include <algorithm>

#include "core/dates.hpp"
#include "core/strings.hpp"

namespace datasync::app {

using core::ErrorKind;
using core::Fail;

namespace {

const storage::Storage* FindStorage(const std::vector<storage::Storage>& storages, const std::string& name) {
  for (const auto& s : storages) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

bool Readable(const storage::Storage& st, const storage::SinkRegistry& sinks) {
  const storage::SinkInfo* info = sinks.Find(st.kind);
  return info != nullptr && static_cast<bool>(info->open_reader);
}

}  // namespace

std::string ReadableKinds(const storage::SinkRegistry& sinks) {
  std::vector<std::string> kinds;
  for (const auto& id : sinks.Ids()) {
    const storage::SinkInfo* info = sinks.Find(id);
    if (info && info->open_reader) kinds.push_back(id);
  }
  return kinds.empty() ? "none" : core::Join(kinds, ", ");
}

core::Result<std::string> ResolveReadStorage(const std::string& dataset, const std::string& explicit_storage,
                                             const std::vector<sync::SyncPlan>& plans,
                                             const std::vector<storage::Storage>& storages,
                                             const storage::SinkRegistry& sinks) {
  if (!explicit_storage.empty()) {
    const storage::Storage* st = FindStorage(storages, explicit_storage);
    if (!st) return Fail(ErrorKind::kNotFound, "unknown storage '" + explicit_storage + "'");
    if (!Readable(*st, sinks)) {
      return Fail(ErrorKind::kConfig, "storage '" + explicit_storage + "' is of kind " + st->kind +
                                          ", which datasync cannot read back (readable kinds: " + ReadableKinds(sinks) +
                                          ")");
    }
    return explicit_storage;
  }
  std::vector<const sync::SyncPlan*> writers;
  for (const auto& p : plans) {
    if (p.dataset == dataset) writers.push_back(&p);
  }
  std::sort(writers.begin(), writers.end(), [](auto* a, auto* b) { return a->name < b->name; });
  if (writers.empty()) {
    return Fail(ErrorKind::kConfig, "no plan syncs dataset '" + dataset + "' (add a plan with dataset: " + dataset +
                                        ", or name a storage that holds it with storage:)");
  }
  for (const auto* p : writers) {
    for (const auto& name : p->storages) {
      const storage::Storage* st = FindStorage(storages, name);
      if (st && Readable(*st, sinks)) return name;
    }
  }
  return Fail(ErrorKind::kConfig, "plan '" + writers.front()->name + "' stores dataset '" + dataset +
                                      "' only where datasync cannot read it back (readable kinds: " +
                                      ReadableKinds(sinks) + "); add such a storage to the plan");
}

core::Result<std::string> ResolvePlanStorage(const sync::SyncPlan& plan, const std::string& explicit_storage,
                                             const std::vector<storage::Storage>& storages,
                                             const storage::SinkRegistry& sinks) {
  if (explicit_storage.empty()) return ResolveReadStorage(plan.dataset, "", {plan}, storages, sinks);
  if (std::find(plan.storages.begin(), plan.storages.end(), explicit_storage) == plan.storages.end()) {
    return core::Fail(core::ErrorKind::kInvalidInput, "plan " + plan.name + " does not write to storage '" +
                                                          explicit_storage + "' (it writes to " +
                                                          core::Join(plan.storages, ", ") + ")");
  }
  return explicit_storage;
}

core::Result<std::string> CheckpointStorage(const sync::SyncPlan& plan, const std::vector<storage::Storage>& storages,
                                            const storage::SinkRegistry& sinks) {
  for (const auto& name : plan.storages) {
    const storage::Storage* st = FindStorage(storages, name);
    if (st && Readable(*st, sinks)) return name;
  }
  return Fail(ErrorKind::kConfig,
              "since_checkpoint reads the plan's newest synced value, but plan '" + plan.name +
                  "' has no storage datasync can read back (readable kinds: " + ReadableKinds(sinks) + ")");
}

LocalData::LocalData(const storage::SinkRegistry& sinks, std::vector<storage::Storage> storages,
                     std::vector<sync::SyncPlan> plans, std::filesystem::path project_dir)
    : sinks_(sinks), storages_(std::move(storages)), plans_(std::move(plans)), project_dir_(std::move(project_dir)) {}

core::Result<std::shared_ptr<storage::DatasetReader>> LocalData::Reader(const std::string& storage_name) {
  if (auto it = readers_.find(storage_name); it != readers_.end()) return it->second;
  const storage::Storage* st = FindStorage(storages_, storage_name);
  if (!st) return Fail(ErrorKind::kNotFound, "unknown storage '" + storage_name + "'");
  const storage::SinkInfo* info = sinks_.Find(st->kind);
  if (!info || !info->open_reader) {
    return Fail(ErrorKind::kConfig, "storage '" + storage_name + "' (" + st->kind + ") cannot be read back");
  }
  storage::ReaderContext ctx;
  ctx.storage_name = st->name;
  ctx.options = st->options;
  ctx.project_dir = project_dir_;
  auto reader = info->open_reader(ctx);
  if (!reader) return Fail(reader.error());
  std::shared_ptr<storage::DatasetReader> shared(std::move(*reader));
  readers_[storage_name] = shared;
  return shared;
}

core::Result<std::optional<int32_t>> LocalData::Checkpoint(const sync::SyncPlan& plan,
                                                           const datasource::Dataset& dataset) {
  if (dataset.date_key.empty()) {
    return Fail(ErrorKind::kConfig, "dataset '" + dataset.name + "' has no date_key to take a checkpoint from");
  }
  auto where = CheckpointStorage(plan, storages_, sinks_);
  if (!where) return Fail(where.error());
  auto reader = Reader(*where);
  if (!reader) return Fail(reader.error());
  auto max = (*reader)->MaxValue(dataset.name, dataset.date_key);
  if (!max) return Fail(max.error());
  if (!max->has_value()) return std::optional<int32_t>();
  const core::Value& v = **max;
  if (v.type.id == core::TypeId::kDate) return std::optional<int32_t>(std::get<int32_t>(v.v));
  if (v.type.id == core::TypeId::kTimestamp) {
    int64_t us = std::get<int64_t>(v.v);
    constexpr int64_t kDay = 86'400'000'000LL;
    return std::optional<int32_t>(static_cast<int32_t>(us >= 0 ? us / kDay : -((-us + kDay - 1) / kDay)));
  }
  if (auto d = core::ParseDate(v.ToString())) return std::optional<int32_t>(*d);
  return Fail(ErrorKind::kConfig, "the newest '" + dataset.date_key + "' of dataset '" + dataset.name + "' is '" +
                                      v.ToString() + "', not a date");
}

generation::GenerationContext LocalData::Context(const core::Clock& clock, const core::TimeZone& tz,
                                                 const sync::SyncPlan* plan, const datasource::Dataset* dataset) {
  generation::GenerationContext ctx;
  ctx.clock = &clock;
  ctx.tz = &tz;
  ctx.open_reader = [this](const std::string& ds,
                           const std::string& storage) -> core::Result<std::shared_ptr<storage::DatasetReader>> {
    auto name = ResolveReadStorage(ds, storage, plans_, storages_, sinks_);
    if (!name) return Fail(name.error());
    return Reader(*name);
  };
  ctx.checkpoint = [this, plan, dataset]() -> core::Result<std::optional<int32_t>> {
    if (!plan || !dataset) {
      return Fail(ErrorKind::kConfig, "since_checkpoint needs a plan (test the template with --plan PLAN)");
    }
    return Checkpoint(*plan, *dataset);
  };
  return ctx;
}

}  // namespace datasync::app
