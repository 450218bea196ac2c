// Opening the SQLite system database: locations, schema migrations, refusals and persistence.
#include "metadata/sqlite/sqlite_system_db.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "metadata/sqlite/sqlite_migrations.hpp"
#include "metadata_test_util.hpp"

namespace datasync::metadata {
namespace {

using testing::OpenOrDie;
using testing::RawDb;
using testing::TempDir;

class SqliteSystemDbTest : public ::testing::Test {
 protected:
  TempDir dir_;
  core::ManualClock clock_{core::FromEpochMicros(testing::kStartUs)};
};

TEST_F(SqliteSystemDbTest, MigratesAnEmptyFileInANewFolder) {
  std::string path = dir_.File("nested/deeper/datasync.db");
  auto db = OpenOrDie(path, clock_);
  ASSERT_TRUE(db);
  int latest = sqlite::SqliteMigrations().back().version;
  EXPECT_EQ(db->schema_version(), latest);
  EXPECT_EQ(db->description(), "sqlite:" + path);

  RawDb raw(path);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM schema_migrations"), std::to_string(sqlite::SqliteMigrations().size()));
  EXPECT_EQ(raw.Query("SELECT group_concat(version || ':' || name, ',') FROM (SELECT * FROM schema_migrations "
                      "ORDER BY version)"),
            "1:catalog,2:runs_and_tasks,3:run_control_and_quotas,4:schedule_slots,5:storage_migrations,6:quota_calls,"
            "7:task_leases,8:access,9:app_objects,10:alert_log,11:run_timeline,12:unit_versions");
  EXPECT_EQ(raw.Query("SELECT min(applied_at_us) FROM schema_migrations"), std::to_string(testing::kStartUs));
  EXPECT_EQ(raw.Query("PRAGMA journal_mode"), "wal");
  for (const char* table :
       {"catalog_objects", "catalog_history", "runs", "tasks", "run_task_counts", "storage_migrations", "quota_calls",
        "plan_leases", "api_tokens", "audit_log", "app_objects", "alert_log", "run_timeline", "unit_versions"}) {
    EXPECT_EQ(
        raw.Query(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '") + table + "'"),
        "1")
        << table;
  }
}

TEST_F(SqliteSystemDbTest, MigrationVersionsAreOrderedWithoutGaps) {
  int expected = 1;
  for (const auto& m : sqlite::SqliteMigrations()) {
    EXPECT_EQ(m.version, expected++);
    EXPECT_FALSE(m.name.empty());
    EXPECT_FALSE(m.sql.empty());
  }
}

TEST_F(SqliteSystemDbTest, ReopenIsIdempotent) {
  std::string path = dir_.File("datasync.db");
  ASSERT_TRUE(OpenOrDie(path, clock_));
  clock_.Advance(std::chrono::hours(1));
  auto again = OpenOrDie(path, clock_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->schema_version(), sqlite::SqliteMigrations().back().version);
  RawDb raw(path);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM schema_migrations"), std::to_string(sqlite::SqliteMigrations().size()));
  EXPECT_EQ(raw.Query("SELECT max(applied_at_us) FROM schema_migrations"), std::to_string(testing::kStartUs));
}

TEST_F(SqliteSystemDbTest, AppliesOnlyThePendingMigrations) {
  // A file left at version 1 by an older datasync.
  std::string path = dir_.File("old.db");
  {
    RawDb raw(path);
    raw.Exec(
        "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at_us INTEGER NOT NULL)");
    raw.Exec(std::string(sqlite::SqliteMigrations()[0].sql));
    raw.Exec("INSERT INTO schema_migrations VALUES (1, 'catalog', 42)");
    raw.Exec(
        "INSERT INTO catalog_objects (kind, name, spec_json, spec_hash, version, created_at_us, updated_at_us) "
        "VALUES ('source', 'tushare', '{}', 'h', 1, 1, 1)");
  }
  auto db = OpenOrDie(path, clock_);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->schema_version(), sqlite::SqliteMigrations().back().version);
  RawDb raw(path);
  EXPECT_EQ(raw.Query("SELECT applied_at_us FROM schema_migrations WHERE version = 1"), "42");
  EXPECT_EQ(raw.Query("SELECT applied_at_us FROM schema_migrations WHERE version = 2"),
            std::to_string(testing::kStartUs));
  auto source = db->catalog().Get(ObjectKind::kSource, "tushare");
  ASSERT_TRUE(source && *source);
  EXPECT_EQ((*source)->spec_json, "{}");
}

// Migration 11 seeds the run timeline with the tasks an older datasync stored: each once, in its latest state
// (pending is not a step).
TEST_F(SqliteSystemDbTest, TheTimelineMigrationCountsTheTasksAlreadyStored) {
  std::string path = dir_.File("v10.db");
  int64_t run_id = 0;
  {
    auto db = OpenOrDie(path, clock_);
    ASSERT_TRUE(db);
    sync::SyncRun run;
    run.plan = "daily";
    auto id = db->runs().CreateRun(run);
    ASSERT_TRUE(id);
    run_id = *id;
    std::vector<sync::NewTask> tasks(3);
    for (int i = 0; i < 3; ++i) tasks[i].params = {{"trade_date", "2024010" + std::to_string(i + 2)}};
    ASSERT_TRUE(db->runs().AddTasks(run_id, tasks));
    auto claimed = db->runs().ClaimTasks(run_id, 2, testing::kStartUs);
    ASSERT_TRUE(claimed);
    ASSERT_TRUE(db->runs().UpdateTasks(
        std::vector<sync::TaskUpdate>{{.task_id = (*claimed)[0].id, .state = sync::TaskState::kDone, .attempts = 1}}));
  }
  {
    // As a datasync of version 10 left it: no timeline.
    RawDb raw(path);
    raw.Exec(
        "DROP TRIGGER tasks_timeline_insert; DROP TRIGGER tasks_timeline_update; DROP TABLE run_timeline; "
        "DROP TABLE unit_versions; DELETE FROM schema_migrations WHERE version >= 11");
  }
  auto db = OpenOrDie(path, clock_);
  ASSERT_TRUE(db);
  RawDb raw(path);
  EXPECT_EQ(raw.Query("SELECT group_concat(state || ':' || tasks, ',') FROM (SELECT state, sum(tasks) AS tasks FROM "
                      "run_timeline WHERE run_id = " +
                      std::to_string(run_id) + " GROUP BY state ORDER BY state)"),
            "done:1,running:1");
}

TEST_F(SqliteSystemDbTest, RefusesASchemaNewerThanThisBinary) {
  std::string path = dir_.File("datasync.db");
  ASSERT_TRUE(OpenOrDie(path, clock_));
  {
    RawDb raw(path);
    raw.Exec("INSERT INTO schema_migrations VALUES (98, 'quota_windows', 1), (99, 'api_tokens', 2)");
  }
  auto db = sqlite::OpenSqliteSystemDb(path, clock_);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind(), core::ErrorKind::kConfig);
  const std::string& message = db.error().message();
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("schema version 99"), std::string::npos) << message;
  EXPECT_NE(message.find("versions up to " + std::to_string(sqlite::SqliteMigrations().back().version)),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("98 quota_windows, 99 api_tokens"), std::string::npos) << message;
  EXPECT_NE(message.find("newer datasync"), std::string::npos) << message;
  RawDb raw(path);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM schema_migrations"),
            std::to_string(sqlite::SqliteMigrations().back().version + 2));
}

TEST_F(SqliteSystemDbTest, NonDatabaseFileIsAConfigError) {
  std::string path = dir_.File("notes.db");
  {
    std::ofstream out(path);
    out << "these are my notes, not a database\n";
    for (int i = 0; i < 100; ++i) out << "line " << i << " of plain text that is long enough to fill a page\n";
  }
  auto db = sqlite::OpenSqliteSystemDb("sqlite:" + path, clock_);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind(), core::ErrorKind::kConfig);
  EXPECT_EQ(db.error().code(), "SQLITE_NOTADB");
  EXPECT_NE(db.error().message().find(path), std::string::npos) << db.error().message();
  EXPECT_NE(db.error().message().find("not a SQLite database"), std::string::npos) << db.error().message();
  std::ifstream in(path);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "these are my notes, not a database");
}

TEST_F(SqliteSystemDbTest, RefusesAnotherApplicationsDatabase) {
  std::string path = dir_.File("prices.db");
  {
    RawDb raw(path);
    raw.Exec("CREATE TABLE daily (ts_code TEXT, close REAL)");
  }
  auto db = sqlite::OpenSqliteSystemDb(path, clock_);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind(), core::ErrorKind::kConfig);
  EXPECT_NE(db.error().message().find("not a datasync system database"), std::string::npos) << db.error().message();
  RawDb raw(path);
  EXPECT_EQ(raw.Query("SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'"), "0");
}

TEST_F(SqliteSystemDbTest, LocationForms) {
  std::string path = dir_.File("a.db");
  auto prefixed = OpenOrDie("sqlite:" + path, clock_);
  ASSERT_TRUE(prefixed);
  EXPECT_EQ(prefixed->description(), "sqlite:" + path);
  auto url = OpenOrDie("sqlite://" + dir_.File("b.db"), clock_);  // sqlite:///abs/b.db
  ASSERT_TRUE(url);
  EXPECT_EQ(url->description(), "sqlite:" + dir_.File("b.db"));
  auto memory = OpenOrDie("sqlite::memory:", clock_);
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->schema_version(), sqlite::SqliteMigrations().back().version);

  auto server = sqlite::OpenSqliteSystemDb("mysql://datasync:s3cret@db.example:3306/datasync", clock_);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().kind(), core::ErrorKind::kConfig);
  EXPECT_NE(server.error().message().find("'mysql'"), std::string::npos) << server.error().message();
  EXPECT_EQ(server.error().message().find("s3cret"), std::string::npos) << server.error().message();

  auto empty = sqlite::OpenSqliteSystemDb("  ", clock_);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().kind(), core::ErrorKind::kConfig);

  auto folder = sqlite::OpenSqliteSystemDb(dir_.path().string(), clock_);
  ASSERT_FALSE(folder);
  EXPECT_EQ(folder.error().kind(), core::ErrorKind::kConfig);
  EXPECT_NE(folder.error().message().find("is a folder"), std::string::npos) << folder.error().message();
}

TEST_F(SqliteSystemDbTest, FolderThatCannotBeCreatedIsAConfigError) {
  // A regular file where the folder should be: fails for every user, root included.
  std::ofstream(dir_.File("plain-file")) << "x";
  auto db = sqlite::OpenSqliteSystemDb(dir_.File("plain-file/sub/datasync.db"), clock_);
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind(), core::ErrorKind::kConfig);
  EXPECT_NE(db.error().message().find("cannot create the folder"), std::string::npos) << db.error().message();
  EXPECT_NE(db.error().message().find(dir_.File("plain-file/sub")), std::string::npos) << db.error().message();
}

TEST_F(SqliteSystemDbTest, DataPersistsAcrossReopen) {
  std::string path = dir_.File("datasync.db");
  int64_t run_id = 0;
  {
    auto db = OpenOrDie(path, clock_);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->catalog().Put(ObjectKind::kPlan, "daily", R"({"dataset":"daily"})"));
    sync::SyncRun run;
    run.plan = "daily";
    auto id = db->runs().CreateRun(run);
    ASSERT_TRUE(id);
    run_id = *id;
    std::vector<sync::NewTask> tasks(3);
    for (int i = 0; i < 3; ++i) tasks[i].params = {{"trade_date", "2024010" + std::to_string(i + 2)}};
    ASSERT_TRUE(db->runs().AddTasks(run_id, tasks));
    auto claimed = db->runs().ClaimTasks(run_id, 1, testing::kStartUs);
    ASSERT_TRUE(claimed);
    ASSERT_EQ(claimed->size(), 1u);
  }
  auto db = OpenOrDie(path, clock_);
  ASSERT_TRUE(db);
  auto plan = db->catalog().Get(ObjectKind::kPlan, "daily");
  ASSERT_TRUE(plan && *plan);
  EXPECT_EQ((*plan)->spec_json, R"({"dataset":"daily"})");
  auto run = db->runs().GetRun(run_id);
  ASSERT_TRUE(run && *run);
  EXPECT_EQ((*run)->plan, "daily");
  auto counts = db->runs().CountTasks(run_id);
  ASSERT_TRUE(counts);
  EXPECT_EQ(counts->pending, 2);
  EXPECT_EQ(counts->running, 1);
  // What a restarted engine does first.
  auto requeued = db->runs().RequeueRunning(run_id);
  ASSERT_TRUE(requeued);
  EXPECT_EQ(*requeued, 1);
  auto tasks = db->runs().ListTasks({.run_id = run_id});
  ASSERT_TRUE(tasks);
  ASSERT_EQ(tasks->size(), 3u);
  EXPECT_EQ((*tasks)[2].params, (datasource::Params{{"trade_date", "20240104"}}));
}

}  // namespace
}  // namespace datasync::metadata
