#include "storage/sql/scripted_database_sink.hpp"

#include "core/log.hpp"
#include "core/strings.hpp"
#include "storage/history.hpp"

namespace datasync::storage::sql {

using core::ErrorKind;
using core::Fail;
using core::Status;

ColumnTemplates ScriptedDatabaseSink::Templates() const {
  ColumnTemplates t;
  t.add_column = options().Get(kAddColumnTemplate);
  t.widen_column = options().Get(kWidenColumnTemplate);
  t.change_column = options().Get(kChangeColumnTemplate);
  t.drop_column = options().Get(kDropColumnTemplate);
  t.rename_column = options().Get(kRenameColumnTemplate);
  return t;
}

std::vector<WantedColumn> ScriptedDatabaseSink::Wanted() const {
  std::vector<WantedColumn> out;
  for (const auto& f : bind_context().schema->fields())
    out.push_back({f, f.type.id == core::TypeId::kString ? StringLength(IsKey(f.name)) : 0});
  return out;
}

core::Result<MigrationPlan> ScriptedDatabaseSink::Plan(const std::string& table, bool with_unit) {
  if (auto st = Connect(); !st) return Fail(st.error());
  auto shape = Introspect(table);
  if (!shape) return Fail(shape.error());
  DiffOptions diff_options;
  diff_options.case_insensitive_names = dialect().case_insensitive_columns;
  diff_options.ignored_columns = dialect().reserved_columns;
  diff_options.ignored_columns.emplace_back(kUnitColumn);
  diff_options.ignored_columns.emplace_back(kValidFrom);
  diff_options.ignored_columns.emplace_back(kValidTo);
  // A versioned table declares no key of its own (ClickHouse sorts it by key and _valid_from).
  if (history() && table == table_name()) diff_options.compare_primary_key = false;
  SchemaDiff diff = DiffSchema(Wanted(), DeclaredKey(table), *shape, diff_options);
  if (!diff.key_error.empty()) return Fail(ErrorKind::kConfig, "table " + Qualified(table) + ": " + diff.key_error);

  MigrationPlan plan;
  plan.storage = bind_context().storage_name;
  plan.dataset = bind_context().dataset;
  plan.table = table;
  plan.dialect = dialect().name;
  if (!shape->has_value()) {
    auto create = CreateTableStatements(table, with_unit);
    if (!create) return Fail(create.error());
    plan.steps.push_back(MigrationStep{diff.changes.front(), std::move(*create)});
    return plan;
  }
  RenderContext render;
  render.table = Qualified(table);
  render.quote = [this](std::string_view n) { return Quote(n); };
  render.wanted_type = [this](const SchemaChange& c) { return NativeType(c.field, IsKey(c.field.name)); };
  render.where = "storage '" + bind_context().storage_name + "'";
  auto steps = RenderColumnChanges(diff, Templates(), render);
  if (!steps) return Fail(steps.error());
  plan.steps = std::move(*steps);
  return plan;
}

core::Result<MigrationPlan> ScriptedDatabaseSink::PlanMigration() {
  // Changes nothing: a table in a namespace that does not exist yet simply plans as a new table.
  if (state() == State::kCreated) return Fail(ErrorKind::kInternal, "PlanMigration before Bind");
  return Plan(table_name(), mode() != WriteMode::kUpsert);
}

Status ScriptedDatabaseSink::ApplySteps(const MigrationPlan& plan, bool include_held, MigrationPlan& applied) {
  applied.storage = plan.storage;
  applied.dataset = plan.dataset;
  applied.table = plan.table;
  applied.dialect = plan.dialect;
  for (const auto& step : plan.steps) {
    if (step.held() && !include_held) continue;
    Status st = core::Ok();
    if (TransactionalDdl()) {
      st = Execute(BeginStatement());
      if (st) st = ExecuteAll(step.statements);
      if (st) st = Execute("COMMIT");
      if (!st) (void)Execute("ROLLBACK");
    } else {
      st = ExecuteAll(step.statements);
    }
    if (!st) {
      return Fail(core::Error(st.error().kind(), "migration step '" + step.change.Describe() + "' on table " +
                                                     Qualified(plan.table) + " failed: " + st.error().message())
                      .WithCode(st.error().code()));
    }
    applied.steps.push_back(step);
  }
  return core::Ok();
}

core::Result<MigrationPlan> ScriptedDatabaseSink::ApplyMigration(bool include_held) {
  last_migration_ = MigrationPlan();
  if (state() == State::kCreated) return Fail(ErrorKind::kInternal, "ApplyMigration before Bind");
  if (auto st = Connect(); !st) return Fail(st.error());
  if (auto st = EnsureNamespace(); !st) return Fail(st.error());
  auto shape = Introspect(table_name());
  if (!shape) return Fail(shape.error());
  if (auto st = CheckHistoryKind(*shape); !st) return Fail(st.error());
  auto plan = PlanMigration();
  if (!plan) return plan;
  Status st = ApplySteps(*plan, include_held, last_migration_);
  if (st) st = EnsureBookkeeping(table_name(), mode() != WriteMode::kUpsert);
  // A table created here for a plan with history is versioned at once, as a run's Migrate makes it.
  if (st && history()) st = EnsureHistory();
  if (!st) return Fail(st.error());
  return last_migration_;
}

Status ScriptedDatabaseSink::EvolveTable(const std::string& table, bool want_unit, bool main) {
  MigrationPlan* record = main ? &last_migration_ : nullptr;
  auto plan = Plan(table, want_unit);
  if (!plan) return Fail(plan.error());
  MigrationPlan applied;
  if (auto st = ApplySteps(*plan, false, applied); !st) return st;
  std::vector<std::string> blocking;
  for (const auto& step : plan->steps) {
    if (step.change.blocks_writes) blocking.push_back(step.change.Describe());
  }
  if (record) {
    *record = applied;
    for (const auto& step : plan->steps) {
      if (step.held()) record->steps.push_back(step);
    }
  }
  if (!blocking.empty()) {
    return Fail(ErrorKind::kConfig, "table " + Qualified(table) + " needs a migration that is held for review (" +
                                        core::Join(blocking, "; ") + "): see it with `datasync migrate --dry-run " +
                                        bind_context().storage_name + "` and apply it with `datasync migrate " +
                                        bind_context().storage_name + "`");
  }
  for (const auto& step : plan->steps) {
    if (step.held()) {
      core::LogWarn("storage '" + bind_context().storage_name + "' table " + Qualified(table) +
                    ": held for `datasync migrate`: " + step.change.Describe());
    }
  }
  return EnsureBookkeeping(table, want_unit);
}

Status ScriptedDatabaseSink::MigrateImpl() {
  last_migration_ = MigrationPlan();
  return DatabaseSink::MigrateImpl();
}

}  // namespace datasync::storage::sql
