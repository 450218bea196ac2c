#include "storage/sink.hpp"

namespace datasync::storage {

using core::ErrorKind;
using core::Fail;
using core::Status;

std::string_view WriteModeName(WriteMode m) {
  switch (m) {
    case WriteMode::kAppend: return "append";
    case WriteMode::kUpsert: return "upsert";
    case WriteMode::kReplace: return "replace";
    case WriteMode::kHistory: return "history";
  }
  return "?";
}

std::optional<WriteMode> ParseWriteMode(std::string_view s) {
  if (s == "append") return WriteMode::kAppend;
  if (s == "upsert") return WriteMode::kUpsert;
  if (s == "replace") return WriteMode::kReplace;
  if (s == "history") return WriteMode::kHistory;
  return std::nullopt;
}

namespace {
const char* StateName(Sink::State s) {
  switch (s) {
    case Sink::State::kCreated: return "created";
    case Sink::State::kBound: return "bound";
    case Sink::State::kMigrated: return "migrated";
    case Sink::State::kOpen: return "open";
    case Sink::State::kFinished: return "finished";
    case Sink::State::kClosed: return "closed";
  }
  return "?";
}
}  // namespace

core::Error Sink::Tag(core::Error e) const {
  e.Context("storage '" + ctx_.storage_name + "' dataset '" + ctx_.dataset + "'");
  return e;
}

Status Sink::Expect(State want, std::string_view op) const {
  if (state_ == want) return core::Ok();
  return Fail(ErrorKind::kInternal,
              std::string(op) + " called in state " + StateName(state_) + ", expected " + StateName(want));
}

Status Sink::Bind(const BindContext& ctx) {
  if (auto st = Expect(State::kCreated, "Bind"); !st) return st;
  ctx_ = ctx;
  if (!ctx.schema) return Fail(Tag(core::Error(ErrorKind::kInternal, "Bind without a schema")));
  SinkCapabilities caps = capabilities();
  // Sinks without key-level upsert but with idempotent units (part files per task) accept upsert plans:
  // re-running a task replaces its rows, which is what a plan whose tasks partition the keys needs.
  if (ctx.mode == WriteMode::kUpsert && !caps.upsert && !caps.idempotent_units) {
    return Fail(Tag(core::Error(ErrorKind::kConfig, "this storage cannot upsert; use mode append or replace")));
  }
  if (ctx.mode == WriteMode::kUpsert && caps.upsert && ctx.primary_key.empty()) {
    return Fail(Tag(core::Error(ErrorKind::kConfig,
                                "mode upsert needs a primary key; set primary_key on the dataset or use append")));
  }
  if (ctx.mode == WriteMode::kReplace && !caps.replace) {
    return Fail(Tag(core::Error(ErrorKind::kConfig, "this storage cannot replace; use mode append or upsert")));
  }
  if (ctx.mode == WriteMode::kHistory && !caps.history) {
    return Fail(Tag(core::Error(ErrorKind::kConfig,
                                "this storage cannot keep history; history: true needs a sqlite, "
                                "postgres, mysql, clickhouse or parquet storage")));
  }
  if (ctx.mode == WriteMode::kHistory && ctx.primary_key.empty()) {
    return Fail(Tag(core::Error(ErrorKind::kConfig,
                                "history: true needs a primary key to tell versions of one row apart; set primary_key "
                                "on the dataset")));
  }
  if (auto st = BindImpl(ctx); !st) return Fail(Tag(st.error()));
  state_ = State::kBound;
  return core::Ok();
}

Status Sink::Migrate() {
  if (auto st = Expect(State::kBound, "Migrate"); !st) return st;
  if (auto st = MigrateImpl(); !st) return Fail(Tag(st.error()));
  state_ = State::kMigrated;
  return core::Ok();
}

Status Sink::Open(const RunContext& run) {
  if (auto st = Expect(State::kMigrated, "Open"); !st) return st;
  if (auto st = OpenImpl(run); !st) return Fail(Tag(st.error()));
  state_ = State::kOpen;
  return core::Ok();
}

Status Sink::Write(const core::ColumnBatch& batch, std::string_view unit_id) {
  if (auto st = Expect(State::kOpen, "Write"); !st) return st;
  if (!(batch.schema() == *ctx_.schema)) {
    return Fail(Tag(core::Error(ErrorKind::kInternal, "batch schema differs from the bound schema")));
  }
  auto bytes = WriteImpl(batch, unit_id);
  if (!bytes) return Fail(Tag(bytes.error()));
  pending_rows_ += static_cast<int64_t>(batch.num_rows());
  pending_bytes_ += *bytes;
  return core::Ok();
}

Status Sink::Write(std::shared_ptr<const core::ColumnBatch> batch, std::string_view unit_id) {
  if (!batch) return Fail(Tag(core::Error(ErrorKind::kInternal, "Write without a batch")));
  shared_batch_ = std::move(batch);
  Status st = Write(*shared_batch_, unit_id);
  shared_batch_.reset();
  return st;
}

Status Sink::Commit() {
  if (auto st = Expect(State::kOpen, "Commit"); !st) return st;
  if (auto st = CommitImpl(); !st) return Fail(Tag(st.error()));
  stats_.rows_written += pending_rows_;
  stats_.bytes_written += pending_bytes_;
  stats_.commits++;
  pending_rows_ = pending_bytes_ = 0;
  return core::Ok();
}

Status Sink::Abort() {
  if (state_ != State::kOpen) return core::Ok();
  pending_rows_ = pending_bytes_ = 0;
  if (auto st = AbortImpl(); !st) return Fail(Tag(st.error()));
  return core::Ok();
}

Status Sink::Finish() {
  if (auto st = Expect(State::kOpen, "Finish"); !st) return st;
  if (auto st = FinishImpl(); !st) return Fail(Tag(st.error()));
  state_ = State::kFinished;
  return core::Ok();
}

Status Sink::Close() {
  if (state_ == State::kClosed) return core::Ok();
  if (state_ == State::kOpen) (void)AbortImpl();
  auto st = CloseImpl();
  state_ = State::kClosed;
  if (!st) return Fail(Tag(st.error()));
  return core::Ok();
}

core::Result<std::vector<std::string>> Sink::SweepStaging(const RunConcluded& concluded) {
  if (auto st = Expect(State::kMigrated, "SweepStaging"); !st) return Fail(st.error());
  auto swept = SweepStagingImpl(concluded);
  if (!swept) return Fail(Tag(swept.error()));
  return swept;
}

Status Sink::HealthCheck() {
  if (state_ == State::kCreated) {
    return Fail(ErrorKind::kInternal, "HealthCheck before Bind");
  }
  if (auto st = HealthCheckImpl(); !st) return Fail(Tag(st.error()));
  return core::Ok();
}

void SinkRegistry::Register(SinkInfo info) {
  infos_.push_back(std::move(info));
}

const SinkInfo* SinkRegistry::Find(std::string_view id) const {
  for (const auto& i : infos_) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

std::vector<std::string> SinkRegistry::Ids() const {
  std::vector<std::string> ids;
  for (const auto& i : infos_) ids.push_back(i.id);
  return ids;
}

}  // namespace datasync::storage
