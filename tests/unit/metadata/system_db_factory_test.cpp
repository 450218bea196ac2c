// SystemDbFactory: which backend a system_db value opens, and how the values no backend takes are refused.
#include "metadata/system_db_factory.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/strings.hpp"
#include "metadata/sqlite/sqlite_backend.hpp"
#include "metadata_test_util.hpp"

namespace datasync::metadata {
namespace {

using testing::TempDir;

// A backend that records what it was given and opens nothing.
struct Recorder {
  std::vector<std::string> seen;
  SystemDbBackend Backend(std::vector<std::string> schemes, bool paths) {
    return SystemDbBackend{
        .schemes = std::move(schemes),
        .description = "test",
        .example = "state/x.db",
        .default_for_paths = paths,
        .open = [this](std::string_view rest, const SystemDbOpenContext&) -> core::Result<std::unique_ptr<SystemDb>> {
          seen.emplace_back(rest);
          return core::Fail(core::ErrorKind::kInternal, "recorded");
        },
    };
  }
};

class SystemDbFactoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    factory_.Register(files_.Backend({"sqlite"}, true));
    factory_.Register(servers_.Backend({"Test", "testdb"}, false));
  }
  core::Error Refusal(const std::string& location) {
    auto db = factory_.Open(location, {.clock = &clock_, .setting = "datasync.yaml: project.system_db"});
    EXPECT_FALSE(db);
    if (db) return core::Error(core::ErrorKind::kInternal, "opened");
    EXPECT_EQ(db.error().kind(), core::ErrorKind::kConfig) << db.error().message();
    EXPECT_TRUE(db.error().message().starts_with("datasync.yaml: project.system_db: ")) << db.error().message();
    return db.error();
  }
  void Opens(const std::string& location) { (void)factory_.Open(location, {.clock = &clock_}); }

  core::ManualClock clock_{core::FromEpochMicros(testing::kStartUs)};
  Recorder files_, servers_;
  SystemDbFactory factory_;
};

TEST_F(SystemDbFactoryTest, PathsAndSchemesPickTheirBackend) {
  Opens("state/datasync.db");
  Opens("  sqlite:state/a.db ");
  Opens("sqlite://rel/b.db");
  Opens("sqlite:///abs/c.db");
  Opens("SQLITE:d.db");
  Opens("notes:v2.db");  // not a scheme: no "//" and nobody's name
  Opens("testdb://u:pw@host/db");
  Opens("test:opaque");
  EXPECT_EQ(files_.seen, (std::vector<std::string>{"state/datasync.db", "state/a.db", "rel/b.db", "/abs/c.db", "d.db",
                                                   "notes:v2.db"}));
  EXPECT_EQ(servers_.seen, (std::vector<std::string>{"//u:pw@host/db", "opaque"}));
  EXPECT_EQ(factory_.schemes(), (std::vector<std::string>{"sqlite", "test", "testdb"}));
}

TEST_F(SystemDbFactoryTest, PlannedServerSchemesAreRefusedWithoutThePassword) {
  for (std::string scheme : {"postgres", "postgresql", "mysql", "mariadb", "PostgreSQL"}) {
    core::Error e = Refusal(scheme + "://sync:s3cret-pw@db.example:5432/state");
    const std::string& m = e.message();
    EXPECT_NE(m.find("'" + core::ToLower(scheme) + "' system database is not available in this build"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("supported: a file path, sqlite:PATH, test://..., testdb://..."), std::string::npos) << m;
    EXPECT_NE(m.find("come in a later version"), std::string::npos) << m;
    EXPECT_EQ(m.find("s3cret-pw"), std::string::npos) << m;
    EXPECT_EQ(m.find("db.example"), std::string::npos) << m;
  }
  // Even without "//" a planned scheme is never taken for a file name.
  EXPECT_NE(Refusal("mysql:sync:s3cret-pw@db").message().find("'mysql'"), std::string::npos);
  EXPECT_TRUE(files_.seen.empty());
}

TEST_F(SystemDbFactoryTest, UnknownSchemesListTheAllowedOnes) {
  core::Error e = Refusal("redis://cache:s3cret-pw@localhost/0");
  EXPECT_NE(e.message().find("unknown scheme 'redis' (allowed: a file path, sqlite:PATH, test://..., testdb://...)"),
            std::string::npos)
      << e.message();
  EXPECT_EQ(e.message().find("s3cret-pw"), std::string::npos) << e.message();
}

TEST_F(SystemDbFactoryTest, EmptyLocationsAreRefused) {
  EXPECT_NE(Refusal("   ").message().find("the location is empty"), std::string::npos);
  EXPECT_NE(Refusal("sqlite:").message().find("names no database"), std::string::npos);
  EXPECT_NE(Refusal("sqlite://").message().find("names no database"), std::string::npos);
  EXPECT_TRUE(files_.seen.empty());
}

TEST_F(SystemDbFactoryTest, CheckAcceptsWhatOpenTakesAndRefusesTheSameWayWithoutOpening) {
  for (const char* ok : {"state/datasync.db", "sqlite:a.db", "testdb://h/db"}) {
    EXPECT_TRUE(factory_.Check(ok, "project.system_db")) << ok;
  }
  auto planned = factory_.Check("postgres://u:pw-x@h/db", "project.system_db");
  ASSERT_FALSE(planned);
  EXPECT_EQ(planned.error().kind(), core::ErrorKind::kConfig);
  EXPECT_TRUE(planned.error().message().starts_with("project.system_db: the 'postgres' system database"))
      << planned.error().message();
  EXPECT_EQ(planned.error().message().find("pw-x"), std::string::npos);
  auto unknown = factory_.Check("redis://cache/0", "project.system_db");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message().find("unknown scheme 'redis'"), std::string::npos);
  EXPECT_FALSE(factory_.Check("sqlite:", "project.system_db"));
  EXPECT_FALSE(factory_.Check("  ", "project.system_db"));
  // Nothing was opened.
  EXPECT_TRUE(files_.seen.empty());
  EXPECT_TRUE(servers_.seen.empty());
}

TEST(SystemDbFactoryWithoutFiles, PlainPathNeedsAFileBackend) {
  SystemDbFactory factory;
  core::ManualClock clock{core::FromEpochMicros(testing::kStartUs)};
  auto db = factory.Open("state/x.db", {.clock = &clock});
  ASSERT_FALSE(db);
  EXPECT_EQ(db.error().kind(), core::ErrorKind::kConfig);
}

// The SQLite backend resolves relative paths against the project folder, never against the cwd, and never
// makes a file of a URL.
TEST(SqliteBackendTest, RelativePathsStartAtTheBaseFolder) {
  TempDir dir;
  core::ManualClock clock{core::FromEpochMicros(testing::kStartUs)};
  SystemDbFactory factory;
  sqlite::RegisterSqliteSystemDb(factory);
  for (std::string location : {"state/a.db", "sqlite:state/b.db", "sqlite://state/c.db"}) {
    auto db = factory.Open(location, {.base_dir = dir.path(), .clock = &clock});
    ASSERT_TRUE(db) << db.error().ToString();
  }
  for (const char* name : {"a.db", "b.db", "c.db"}) {
    EXPECT_TRUE(std::filesystem::is_regular_file(dir.path() / "state" / name)) << name;
  }
  auto server = factory.Open("postgres://u:pw@h/db", {.base_dir = dir.path(), .clock = &clock});
  ASSERT_FALSE(server);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator()), 1);
}

}  // namespace
}  // namespace datasync::metadata
