// The config loader with the real registries: what a valid file builds, and the spec round trip that
// `apply` relies on. (Every malformed-config message is checked end to end in tests/e2e.)
#include "app/config.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <tuple>
#include <vector>

#include "app/registries.hpp"
#include "app/specs.hpp"
#include "metadata/system_db_factory.hpp"

namespace datasync::app {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinProviders(providers_);
    RegisterBuiltinSinks(sinks_);
  }
  ConfigResult Load(const std::string& text) {
    return ConfigLoader(providers_, sinks_).LoadString(text, "datasync.yaml", "/proj");
  }
  datasource::ProviderRegistry providers_;
  storage::SinkRegistry sinks_;
};

constexpr const char* kValid = R"yaml(version: 1
project: {name: demo}
sources:
  ts:
    provider: tushare
    endpoint: http://127.0.0.1:18080
    token: ${TUSHARE_TOKEN}
    limits: {per_minute: 450, per_day: 100000, concurrency: 3}
    api_limits:
      daily: {per_minute: 200}
    timeout_secs: 15
datasets:
  daily: {source: ts}
  prices:
    source: ts
    api: index_daily
    primary_key: ts_code
    row_cap: 8000
    fields:
      - {name: ts_code, type: str}
      - {name: close, type: float, description: 收盘}
      - {name: amt, type: "decimal(12,2)", nullable: false}
storages:
  db: {kind: sqlite, path: data/w.db}
  files: {kind: csv, path: data/csv}
plans:
  d:
    dataset: daily
    storages: [db, files]
    params:
      ts_code: [000001.SZ, 600000.SH]
      trade_date: {dates: {start: "20240101", end: "20240105", weekdays_only: true}}
    retry: {max_attempts: 7}
    depends_on: [p]
  p:
    dataset: prices
    storages: db
    mode: append
    enabled: false
)yaml";

TEST_F(ConfigTest, ValidFileBuildsTheDomainObjects) {
  ConfigResult r = Load(kValid);
  ASSERT_TRUE(r.ok()) << (r.issues.empty() ? "" : FormatIssue(r.issues[0]));
  EXPECT_TRUE(r.issues.empty());
  const Config& c = *r.config;
  EXPECT_EQ(c.project.name, "demo");
  const auto* ts = c.FindSource("ts");
  ASSERT_TRUE(ts);
  EXPECT_EQ(ts->endpoint, "http://127.0.0.1:18080");
  EXPECT_EQ(ts->options.GetString("token"), "${TUSHARE_TOKEN}");
  EXPECT_EQ(ts->timezone, "Asia/Shanghai");
  EXPECT_EQ(ts->limits.per_minute, 450);
  EXPECT_EQ(ts->limits.concurrency, 3);
  EXPECT_FALSE(ts->limits.per_hour);
  EXPECT_EQ(ts->api_limits.at("daily").per_minute, 200);
  EXPECT_EQ(ts->options.GetInt("timeout_secs"), 15);
  EXPECT_EQ(ts->options.GetInt("connect_timeout_secs"), 10);  // default from the provider's table

  const auto* daily = c.FindDataset("daily");
  ASSERT_TRUE(daily);
  EXPECT_EQ(daily->api, "daily");
  EXPECT_EQ(daily->source, "ts");
  EXPECT_EQ(daily->row_cap, 6000);
  EXPECT_EQ(daily->primary_key, (std::vector<std::string>{"ts_code", "trade_date"}));
  EXPECT_EQ(daily->schema->size(), 11u);
  EXPECT_EQ(daily->schema->field(1).type, core::LogicalType::Date());

  const auto* prices = c.FindDataset("prices");
  ASSERT_TRUE(prices);
  EXPECT_EQ(prices->api, "index_daily");
  EXPECT_EQ(prices->primary_key, std::vector<std::string>{"ts_code"});
  EXPECT_EQ(prices->schema->field(1).type, core::LogicalType::Float64());
  EXPECT_EQ(prices->schema->field(1).description, "收盘");
  EXPECT_EQ(prices->schema->field(2).type, core::LogicalType::Decimal(12, 2));
  EXPECT_FALSE(prices->schema->field(2).nullable);

  const auto* db = c.FindStorage("db");
  ASSERT_TRUE(db);
  EXPECT_EQ(db->options.GetString("path"), "data/w.db");

  const auto* d = c.FindPlan("d");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->storages, (std::vector<std::string>{"db", "files"}));
  EXPECT_EQ(d->mode, storage::WriteMode::kUpsert);
  ASSERT_EQ(d->args.params.size(), 2u);
  EXPECT_EQ(d->args.params[0].kind, generation::ParamSource::Kind::kList);
  EXPECT_EQ(d->args.params[0].values, (std::vector<std::string>{"000001.SZ", "600000.SH"}));
  EXPECT_EQ(d->args.params[1].kind, generation::ParamSource::Kind::kDateRange);
  EXPECT_TRUE(d->args.params[1].weekdays_only);
  EXPECT_EQ(d->retry.max_attempts, 7);
  EXPECT_EQ(d->retry.initial_backoff_ms, 1000);
  EXPECT_EQ(d->depends_on, std::vector<std::string>{"p"});
  const auto* p = c.FindPlan("p");
  EXPECT_EQ(p->storages, std::vector<std::string>{"db"});
  EXPECT_EQ(p->mode, storage::WriteMode::kAppend);
  EXPECT_FALSE(p->enabled);
}

TEST_F(ConfigTest, SpecsRoundTripExactly) {
  ConfigResult r = Load(kValid);
  ASSERT_TRUE(r.ok());
  for (const auto& s : r.config->sources) {
    auto back = SourceFromJson(SourceToJson(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, s);
    EXPECT_EQ(SourceToJson(*back), SourceToJson(s));
  }
  for (const auto& d : r.config->datasets) {
    auto back = DatasetFromJson(DatasetToJson(d));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, d);
  }
  for (const auto& s : r.config->storages) {
    auto back = StorageFromJson(StorageToJson(s));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, s);
  }
  for (const auto& p : r.config->plans) {
    auto back = PlanFromJson(PlanToJson(p));
    ASSERT_TRUE(back);
    EXPECT_EQ(*back, p);
  }
  EXPECT_FALSE(PlanFromJson("{\"name\": 1}"));
}

TEST_F(ConfigTest, DisplaySpecsMaskLiteralSecrets) {
  datasource::DataSource s;
  s.name = "x";
  s.provider = "tushare";
  auto specs = providers_.Find("tushare")->options;
  s.options.Set("token", std::string("abcdef123456"));
  EXPECT_EQ(SourceToDisplayJson(s, specs).find("abcdef123456"), std::string::npos);
  s.options.Set("token", std::string("${MY_TOKEN}"));
  auto shown = nlohmann::json::parse(SourceToDisplayJson(s, specs));
  EXPECT_EQ(shown["token"], "${MY_TOKEN}") << "the credentials stay at the top level of listings";
  EXPECT_EQ(shown["options"]["token"], "${MY_TOKEN}");
}

TEST_F(ConfigTest, TheTokenIsTushareSecretOption) {
  ConfigResult r = Load("version: 1\nsources:\n  ts:\n    provider: tushare\n    token: ${SOME_TOKEN}\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->sources[0].options.GetString("token"), "${SOME_TOKEN}");
  const core::OptionSpec* spec = core::FindOption(providers_.Find("tushare")->options, "token");
  ASSERT_NE(spec, nullptr);
  EXPECT_EQ(spec->type, core::OptionType::kSecret);
  EXPECT_TRUE(spec->required);

  ConfigResult missing = Load("version: 1\nsources:\n  ts:\n    provider: tushare\n");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(FormatIssue(missing.issues[0]),
            "datasync.yaml:3:3: sources.ts: missing required key 'token' (e.g. token: ${TUSHARE_TOKEN})");
  ConfigResult literal = Load("version: 1\nsources:\n  ts:\n    provider: tushare\n    token: plain-token-xyz\n");
  ASSERT_EQ(literal.issues.size(), 1u);
  EXPECT_EQ(FormatIssue(literal.issues[0]),
            "datasync.yaml:5:12: warning: sources.ts.token: the token is written in the file; use ${TUSHARE_TOKEN} "
            "(an environment variable) so it never lands in version control");
}

TEST_F(ConfigTest, StoredSourceSpecsOfEarlierVersionsKeepTheirToken) {
  auto s =
      SourceFromJson(R"({"name":"ts","provider":"tushare","endpoint":"http://x","token":"${OLD}","timezone":"UTC",)"
                     R"("limits":{},"api_limits":{},"options":{}})");
  ASSERT_TRUE(s) << s.error().ToString();
  EXPECT_EQ(s->options.GetString("token"), "${OLD}");
}

TEST_F(ConfigTest, IssuesCarryLineAndColumnAndWarningsDoNotFail) {
  ConfigResult r = Load("version: 1\nsources:\n  ts:\n    provider: tushare\n    token: plain-token-xyz\n");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_TRUE(r.issues[0].warning);
  EXPECT_EQ(r.issues[0].where.line, 5);
  EXPECT_EQ(r.issues[0].where.column, 12);
  EXPECT_EQ(FormatIssue(r.issues[0]).substr(0, 28), "datasync.yaml:5:12: warning:");

  ConfigResult bad = Load("sources: [1, 2]\n");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(FormatIssue(bad.issues[0]),
            "datasync.yaml:1:10: sources: expected a mapping (key: value lines), got a list");
  ConfigResult empty = Load("");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.issues[0].message.find("the file is empty"), std::string::npos);
}

TEST_F(ConfigTest, BytesThatAreNotUtf8AreRefusedAtTheirLineAndCharacterColumn) {
  // Line 3; "é" before the bad byte is one character of two bytes: 18 characters stand before it.
  ConfigResult r = Load("version: 1\nproject:\n  name: \"caf\xC3\xA9 bar \xFF\"\n");
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(FormatIssue(r.issues[0]),
            "datasync.yaml:3:19: invalid UTF-8 (byte 0xFF): the file must be UTF-8 text; retype the character "
            "there or re-save the file as UTF-8");
  // A truncated sequence, a lone continuation byte and an overlong form; the first byte of the file.
  for (const auto& [text, line, column] : std::vector<std::tuple<std::string, int, int>>{
           {"version: 1\n# \xE2\x82\n", 2, 3}, {"a: \x80", 1, 4}, {"b: \xC0\xAF\n", 1, 4}, {"\xFE: 1\n", 1, 1}}) {
    ConfigResult bad = Load(text);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.issues[0].where.line, line) << text;
    EXPECT_EQ(bad.issues[0].where.column, column) << text;
  }
}

TEST_F(ConfigTest, SystemDbIsCheckedAgainstTheBuildsBackendsAtItsLine) {
  metadata::SystemDbFactory system_dbs;
  RegisterBuiltinSystemDbs(system_dbs);
  auto load = [&](const std::string& value) {
    return ConfigLoader(providers_, sinks_, {}, LoadOptions{.system_dbs = &system_dbs})
        .LoadString("version: 1\nproject:\n  system_db: " + value + "\n", "datasync.yaml", "/proj");
  };
  ConfigResult server = load("postgres://u:pw-9@h/db");
  ASSERT_FALSE(server.ok());
  ASSERT_EQ(server.issues.size(), 1u);
  EXPECT_TRUE(FormatIssue(server.issues[0]).starts_with("datasync.yaml:3:14: project.system_db: the 'postgres' "))
      << FormatIssue(server.issues[0]);
  EXPECT_EQ(server.issues[0].message.find("pw-9"), std::string::npos);
  // The value is kept, so opening it fails the same way instead of falling back to the default.
  EXPECT_EQ(server.project.system_db, "postgres://u:pw-9@h/db");
  EXPECT_EQ(server.system_db_at.line, 3);
  EXPECT_EQ(server.system_db_at.column, 14);

  EXPECT_TRUE(load("sqlite:state/x.db").ok());
  EXPECT_TRUE(load("state/x.db").ok());
  EXPECT_FALSE(load("redis://h/0").ok());
  // Without the factory the loader does not judge the location (opening it does).
  EXPECT_TRUE(Load("version: 1\nproject:\n  system_db: postgres://h/db\n").ok());
}

TEST_F(ConfigTest, ObjectNames) {
  EXPECT_TRUE(IsValidObjectName("daily_2024.v1-x"));
  EXPECT_TRUE(IsValidObjectName("_x"));
  EXPECT_FALSE(IsValidObjectName("1abc"));
  EXPECT_FALSE(IsValidObjectName("a b"));
  EXPECT_FALSE(IsValidObjectName("日线"));
  EXPECT_FALSE(IsValidObjectName(std::string(65, 'a')));
}

}  // namespace
}  // namespace datasync::app
