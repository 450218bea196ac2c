// Literal secrets of datasync.yaml move to the project's secrets file on apply: the config keeps only
// ${local:NAME} references, the file keeps the values (mode 0600), and ResolveSecret finds them again in a
// later process.
#include "app/local_secrets.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "app/registries.hpp"
#include "core/secrets.hpp"

namespace datasync::app {
namespace {

namespace fs = std::filesystem;

class LocalSecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ds-secrets-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    RegisterBuiltinProviders(providers_);
    RegisterBuiltinSinks(sinks_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  Config Literal() {
    Config c;
    datasource::DataSource src;
    src.name = "tushare";
    src.provider = "tushare";
    src.options.Set("token", std::string("literal-token-9f8e7d"));
    src.options.Set("url_style", std::string("root"));
    c.sources.push_back(src);
    datasource::DataSource by_env;
    by_env.name = "other";
    by_env.provider = "tushare";
    by_env.options.Set("token", std::string("${OTHER_TOKEN}"));
    c.sources.push_back(by_env);
    storage::Storage pg;
    pg.name = "pg";
    pg.kind = "postgres";
    pg.options.Set("url", std::string("postgres://app:p%40ss-word-1@db:5432/prices"));
    pg.options.Set("schema", std::string("public"));
    c.storages.push_back(pg);
    storage::Storage my;
    my.name = "my";
    my.kind = "mysql";
    my.options.Set("url", std::string("mysql://app@db/x"));
    my.options.Set("password", std::string("mysql-pass-123"));
    c.storages.push_back(my);
    return c;
  }

  fs::path dir_;
  datasource::ProviderRegistry providers_;
  storage::SinkRegistry sinks_;
};

TEST_F(LocalSecretsTest, LiteralsBecomeReferencesThatResolveInALaterProcess) {
  {
    auto secrets = LocalSecrets::Open(dir_ / "secrets.json");
    ASSERT_TRUE(secrets) << secrets.error().ToString();
    Config c = Literal();
    (*secrets)->TakeLiterals(c, providers_, sinks_);
    EXPECT_EQ(c.sources[0].options.GetString("token"), "${local:sources.tushare.token}");
    EXPECT_EQ(c.sources[0].options.GetString("url_style"), "root") << "only secret options are taken";
    EXPECT_EQ(c.sources[1].options.GetString("token"), "${OTHER_TOKEN}");
    EXPECT_EQ(c.storages[0].options.GetString("url"),
              "postgres://app:${local:storages.pg.url.password}@db:5432/prices");
    EXPECT_EQ(c.storages[0].options.GetString("schema"), "public");
    EXPECT_EQ(c.storages[1].options.GetString("url"), "mysql://app@db/x");
    EXPECT_EQ(c.storages[1].options.GetString("password"), "${local:storages.my.password}");
    ASSERT_TRUE((*secrets)->Save());
  }
  struct stat st {};
  ASSERT_EQ(::stat((dir_ / "secrets.json").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // A new process: the values come back from the file, decoded as the URL parser would.
  auto again = LocalSecrets::Open(dir_ / "secrets.json");
  ASSERT_TRUE(again);
  EXPECT_EQ(*core::ResolveSecret("${local:sources.tushare.token}", "sources.tushare.token"), "literal-token-9f8e7d");
  EXPECT_EQ(*core::ResolveSecret("${local:storages.pg.url.password}", "storages.pg.url"), "p@ss-word-1");
  EXPECT_EQ(core::Redact("token literal-token-9f8e7d"), "token ***");
  auto missing = core::ResolveSecret("${local:storages.gone.password}", "storages.gone.password");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("run `datasync apply` on this machine"), std::string::npos)
      << missing.error().message();
  EXPECT_EQ(core::DisplaySecret("${local:sources.tushare.token}"), "***");
}

// A password in the URL's query (libpq takes ?password=) is as literal as one in the userinfo: it leaves the
// system database too, and the URL parser finds it again through the reference.
TEST_F(LocalSecretsTest, QueryPasswordsOfAUrlAreTakenToo) {
  auto secrets = LocalSecrets::Open(dir_ / "secrets.json");
  ASSERT_TRUE(secrets) << secrets.error().ToString();
  Config c;
  storage::Storage pg;
  pg.name = "pg";
  pg.kind = "postgres";
  pg.options.Set("url",
                 std::string("postgres://app:first-Pw1@db/x?sslmode=require&PASSWORD=q%26Pw-2&sslpassword=${K}"));
  c.storages.push_back(pg);
  (*secrets)->TakeLiterals(c, providers_, sinks_);
  EXPECT_EQ(c.storages[0].options.GetString("url"),
            "postgres://app:${local:storages.pg.url.password}@db/x?sslmode=require&"
            "PASSWORD=${local:storages.pg.url.password_2}&sslpassword=${K}");
  auto first = core::ResolveSecret("${local:storages.pg.url.password}", "");
  ASSERT_TRUE(first) << first.error().ToString();
  EXPECT_EQ(*first, "first-Pw1");
  auto second = core::ResolveSecret("${local:storages.pg.url.password_2}", "");
  ASSERT_TRUE(second) << second.error().ToString();
  EXPECT_EQ(*second, "q&Pw-2");
}

TEST_F(LocalSecretsTest, AnUnchangedConfigDoesNotRewriteTheFile) {
  auto secrets = LocalSecrets::Open(dir_ / "secrets.json");
  ASSERT_TRUE(secrets);
  Config c = Literal();
  (*secrets)->TakeLiterals(c, providers_, sinks_);
  ASSERT_TRUE((*secrets)->Save());
  fs::remove(dir_ / "secrets.json");
  Config same = Literal();
  (*secrets)->TakeLiterals(same, providers_, sinks_);
  ASSERT_TRUE((*secrets)->Save());
  EXPECT_FALSE(fs::exists(dir_ / "secrets.json")) << "nothing changed, nothing written";
}

TEST_F(LocalSecretsTest, AFileThatIsNotJsonIsRefusedWithWhatToDo) {
  {
    std::FILE* f = std::fopen((dir_ / "secrets.json").c_str(), "w");
    std::fputs("not json", f);
    std::fclose(f);
  }
  auto secrets = LocalSecrets::Open(dir_ / "secrets.json");
  ASSERT_FALSE(secrets);
  EXPECT_NE(secrets.error().message().find("run `datasync apply`"), std::string::npos);
}

}  // namespace
}  // namespace datasync::app
