// The plugins' own option checks (SinkInfo::validate, ProviderInfo::validate) and the secret checks, as
// config loading reports them: at the offending value's line and column. Also that a sink's Bind runs the
// same checks, so `validate` and a run agree. (The CLI's messages are checked end to end in tests/e2e.)
#include <gtest/gtest.h>
#include <stdlib.h>

#include "app/config.hpp"
#include "app/registries.hpp"
#include "core/secrets.hpp"

namespace datasync::app {
namespace {

constexpr const char* kHead = R"yaml(version: 1
sources:
  ts:
    provider: tushare
    token: ${DS_CHECKS_TOKEN}
)yaml";  // 5 lines

class OptionChecksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinProviders(providers_);
    RegisterBuiltinSinks(sinks_);
    ::setenv("DS_CHECKS_TOKEN", "token-value-3f9a1c", 1);
  }
  ConfigResult Load(const std::string& body, bool resolve_secrets = true) {
    return ConfigLoader(providers_, sinks_, {}, LoadOptions{.resolve_secrets = resolve_secrets})
        .LoadString(kHead + body, "datasync.yaml", "/proj");
  }
  // Whether the build has the sink a "  x: {kind: K, ...}" storage line names (cmake/Plugins.cmake).
  bool Built(const std::string& storage) const {
    auto at = storage.find("kind: ");
    if (at == std::string::npos) return true;
    at += 6;
    return sinks_.Find(storage.substr(at, storage.find_first_of(",}", at) - at)) != nullptr;
  }
  // The one error the file has, as FormatIssue prints it.
  static std::string OnlyError(const ConfigResult& r) {
    std::vector<std::string> errors;
    for (const auto& i : r.issues) {
      if (!i.warning) errors.push_back(FormatIssue(i));
    }
    EXPECT_EQ(errors.size(), 1u) << ::testing::PrintToString(errors);
    return errors.empty() ? "" : errors[0];
  }
  // Every issue (errors and warnings) in one string, to check that no secret value leaked.
  static std::string AllIssues(const ConfigResult& r) {
    std::string s;
    for (const auto& i : r.issues) s += FormatIssue(i) + "\n";
    return s;
  }
  datasource::ProviderRegistry providers_;
  storage::SinkRegistry sinks_;
};

TEST_F(OptionChecksTest, CsvDelimiterAndNullMarkerPointAtTheirValues) {
  auto r = Load("storages:\n  files:\n    kind: csv\n    path: data/csv\n    delimiter: '||'\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(OnlyError(r),
            "datasync.yaml:10:16: storages.files.delimiter: must be exactly one ASCII character (e.g. ',', ';', '|', "
            "tab), got '||'");

  auto marker = Load("storages:\n  files: {kind: csv, path: data/csv, delimiter: ;, null_marker: a;b}\n");
  ASSERT_FALSE(marker.ok());
  EXPECT_EQ(OnlyError(marker),
            "datasync.yaml:7:65: storages.files.null_marker: cannot contain the delimiter, a quote, CR or LF (it is "
            "never quoted, so that a quoted field is always a string)");
  EXPECT_TRUE(Load("storages:\n  files: {kind: csv, path: data/csv, delimiter: tab, null_marker: \\N}\n").ok());
}

TEST_F(OptionChecksTest, EverySinkRuleIsReportedAtItsKey) {
  struct Case {
    std::string storage;
    std::string error;
  };
  for (const auto& c : std::vector<Case>{
           {"  x: {kind: xlsx, path: d, sheet_name: History}",
            "datasync.yaml:7:40: storages.x.sheet_name: 'History' is reserved by Excel; choose another sheet name"},
           {"  x: {kind: xlsx, path: d, sheet_name: \"a:b\"}",
            "datasync.yaml:7:40: storages.x.sheet_name: 'a:b' contains ':', which Excel does not allow in a sheet "
            "name (none of [ ] : * ? / \\)"},
           {"  x: {kind: xlsx, path: d, sheet_name: \"'quoted'\"}",
            "datasync.yaml:7:40: storages.x.sheet_name: ''quoted'' starts or ends with an apostrophe, which Excel "
            "does not allow in a sheet name"},
           {"  x: {kind: xlsx, path: d, sheet_name: abcdefghijklmnopqrstuvwxyz0123}",
            "datasync.yaml:7:40: storages.x.sheet_name: 'abcdefghijklmnopqrstuvwxyz0123' has 30 characters; at most "
            "28 (Excel allows 31, and rows beyond max_rows_per_sheet continue on sheets named <sheet_name>_2, _3, "
            "...)"},
           {"  x: {kind: xlsx, path: d, max_rows_per_sheet: 1}",
            "datasync.yaml:7:48: storages.x.max_rows_per_sheet: must be between 2 and 1048576 (Excel's limit), got "
            "1"},
           {"  x: {kind: parquet, path: d, compression_level: 0}",
            "datasync.yaml:7:50: storages.x.compression_level: must be between 1 and 22, got 0"},
           {"  x: {kind: parquet, path: d, data_page_size_bytes: 10}",
            "datasync.yaml:7:53: storages.x.data_page_size_bytes: must be between 1024 and 512 MiB, got 10"},
           {"  x: {kind: parquet, path: d, compact_below_bytes: 0}",
            "datasync.yaml:7:52: storages.x.compact_below_bytes: must be positive, got 0"},
           {"  x: {kind: jsonl, path: \"\"}",
            "datasync.yaml:7:26: storages.x.path: is empty; set it to the root folder"},
           {"  x: {kind: sqlite, path: w.db, table_prefix: sqlite_x}",
            "datasync.yaml:7:47: storages.x.table_prefix: 'sqlite_x' starts with sqlite_, which SQLite reserves for "
            "its own tables"},
           {"  x: {kind: sqlite, path: w.db, busy_timeout_ms: -1}",
            "datasync.yaml:7:50: storages.x.busy_timeout_ms: must be between 0 and 86400000, got -1"},
           {"  x: {kind: postgres, url: \"postgres://h/d\", schema: \"\"}",
            "datasync.yaml:7:54: storages.x.schema: must be 1 to 63 bytes without NUL (PostgreSQL's identifier "
            "limit)"},
           {"  x: {kind: postgres, url: \"postgres://h:99999/d\"}",
            "datasync.yaml:7:28: storages.x.url: port '99999' is not a number from 1 to 65535"},
           {"  x: {kind: postgres, url: \"mysql://h/d\"}",
            "datasync.yaml:7:28: storages.x.url: scheme 'mysql' is not supported here (allowed: postgres, "
            "postgresql)"},
           {"  x: {kind: postgres, url: \"postgres://h/d\", table_name: \"t_{datset}\"}",
            "datasync.yaml:7:58: storages.x.table_name: unknown placeholder {datset} (allowed: dataset)"},
           {"  x: {kind: mysql, url: \"mysql://h/d\", key_varchar_length: 1000}",
            "datasync.yaml:7:60: storages.x.key_varchar_length: must be 1 to 768 (InnoDB keys hold 3072 bytes), got "
            "1000"},
           {"  x: {kind: clickhouse, url: \"clickhouse://h/d\", order_by: \"({primary_keys})\"}",
            "datasync.yaml:7:60: storages.x.order_by: unknown placeholder {primary_keys} (allowed: primary_key, "
            "date_key, version)"},
       }) {
    SCOPED_TRACE(c.storage);
    if (!Built(c.storage)) continue;
    auto r = Load("storages:\n" + c.storage + "\n");
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(OnlyError(r), c.error);
  }
}

TEST_F(OptionChecksTest, AKeyTheTableRefusesIsNotCheckedTwice) {
  auto r = Load("storages:\n  x: {kind: xlsx, sheet_name: History}\n");  // path is missing
  ASSERT_FALSE(r.ok());
  EXPECT_NE(OnlyError(r).find("missing required key 'path'"), std::string::npos);
}

TEST_F(OptionChecksTest, ProviderRulesAndTheTokenPointAtTheSourceKeys) {
  auto timeout = ConfigLoader(providers_, sinks_)
                     .LoadString(
                         "sources:\n  ts:\n    provider: tushare\n    token: ${DS_CHECKS_TOKEN}\n"
                         "    timeout_secs: 0\n",
                         "datasync.yaml", "/proj");
  ASSERT_FALSE(timeout.ok());
  EXPECT_EQ(OnlyError(timeout),
            "datasync.yaml:5:19: sources.ts.timeout_secs: must be a positive number of seconds, got 0");

  auto empty = ConfigLoader(providers_, sinks_)
                   .LoadString("sources:\n  ts: {provider: tushare, token: \"\"}\n", "datasync.yaml", "/proj");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(OnlyError(empty),
            "datasync.yaml:2:34: sources.ts.token: is not set: set it to ${TUSHARE_TOKEN} and export TUSHARE_TOKEN "
            "with your Tushare Pro token");
}

TEST_F(OptionChecksTest, UnsetVariablesAreErrorsWhereTheReferenceIsWritten) {
  ::unsetenv("DS_CHECKS_TOKEN");
  auto token = Load("");
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(OnlyError(token),
            "datasync.yaml:5:12: sources.ts.token: environment variable DS_CHECKS_TOKEN is not set (export "
            "DS_CHECKS_TOKEN=... before running)");
  // Commands that only read the file do not need the variables.
  EXPECT_TRUE(Load("", false).ok());
  ::setenv("DS_CHECKS_TOKEN", "token-value-3f9a1c", 1);

  ::unsetenv("DS_CHECKS_PG_PASSWORD");
  const std::string pg =
      "storages:\n  pg:\n    kind: postgres\n    url: postgres://app:${DS_CHECKS_PG_PASSWORD}@db/prices\n";
  auto url = Load(pg);
  ASSERT_FALSE(url.ok());
  EXPECT_EQ(OnlyError(url),
            "datasync.yaml:9:25: storages.pg.url: environment variable DS_CHECKS_PG_PASSWORD is not set (export "
            "DS_CHECKS_PG_PASSWORD=... before running)");
  EXPECT_TRUE(Load(pg, false).ok());

  ::unsetenv("DS_CHECKS_CH_PASSWORD");
  if (!Built("kind: clickhouse,")) return;
  auto password = Load(
      "storages:\n  ch: {kind: clickhouse, url: \"clickhouse://app@db/x\", password: "
      "\"${DS_CHECKS_CH_PASSWORD}\"}\n");
  ASSERT_FALSE(password.ok());
  EXPECT_EQ(OnlyError(password),
            "datasync.yaml:7:67: storages.ch.password: environment variable DS_CHECKS_CH_PASSWORD is not set (export "
            "DS_CHECKS_CH_PASSWORD=... before running)");
}

TEST_F(OptionChecksTest, AlertChannelSecretsAreCheckedToo) {
  ::unsetenv("DS_CHECKS_SMTP_USER");
  ::unsetenv("DS_CHECKS_HOOK_URL");
  ::unsetenv("DS_CHECKS_HOOK_TOKEN");
  auto r = Load(R"yaml(alerts:
  channels:
    mail:
      type: email
      smtp_url: smtps://smtp.example.com:465
      username: ${DS_CHECKS_SMTP_USER}
      password: ${DS_CHECKS_TOKEN}
      from: a@example.com
      to: [b@example.com]
    hook:
      type: webhook
      url: ${DS_CHECKS_HOOK_URL}
      headers:
        X-Token: ${DS_CHECKS_HOOK_TOKEN}
        Authorization: Bearer ${DS_CHECKS_TOKEN}
)yaml");
  ASSERT_FALSE(r.ok());
  std::vector<std::string> errors;
  for (const auto& i : r.issues) {
    if (!i.warning) errors.push_back(FormatIssue(i));
  }
  EXPECT_EQ(errors, (std::vector<std::string>{
                        "datasync.yaml:11:17: alerts.channels.mail.username: environment variable DS_CHECKS_SMTP_USER "
                        "is not set (export DS_CHECKS_SMTP_USER=... before running)",
                        "datasync.yaml:17:12: alerts.channels.hook.url: environment variable DS_CHECKS_HOOK_URL is not "
                        "set (export DS_CHECKS_HOOK_URL=... before running)",
                        "datasync.yaml:19:18: alerts.channels.hook.headers.X-Token: environment variable "
                        "DS_CHECKS_HOOK_TOKEN is not set (export DS_CHECKS_HOOK_TOKEN=... before running)",
                        "datasync.yaml:20:31: alerts.channels.hook.headers.Authorization: a ${...} inside other text "
                        "is sent as written: only a whole value can be a reference (put all of it, e.g. 'Bearer ...', "
                        "in the environment variable)",
                    }));
}

TEST_F(OptionChecksTest, ResolvedValuesNeverAppearInMessages) {
  ::setenv("DS_CHECKS_WHOLE_URL", "pg.internal:5432/prices?password=whole-url-secret-77", 1);
  auto r = Load("storages:\n  pg: {kind: postgres, url: \"${DS_CHECKS_WHOLE_URL}\"}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(OnlyError(r),
            "datasync.yaml:7:29: storages.pg.url: not a URL; expected postgres://user:${PASSWORD_ENV}@host:port/"
            "database");
  ::setenv("DS_CHECKS_PG_PASSWORD", "pg-password-5b2e", 1);
  auto ok = Load("storages:\n  pg: {kind: postgres, url: \"postgres://app:${DS_CHECKS_PG_PASSWORD}@db/x\"}\n");
  EXPECT_TRUE(ok.ok()) << AllIssues(ok);
  EXPECT_EQ(AllIssues(ok).find("pg-password-5b2e"), std::string::npos);
  EXPECT_EQ(core::Redact("pg-password-5b2e token-value-3f9a1c"), "*** ***");
}

TEST_F(OptionChecksTest, BindRunsTheSameChecksAsValidate) {
  // What validate reports, a run's Bind refuses with the same words: both call the sink's check function.
  struct Case {
    std::string kind;
    core::Options options;
    std::string message;
  };
  auto opts = [](std::vector<std::pair<std::string, core::OptionValue>> kv) {
    core::Options o;
    for (auto& [k, v] : kv) o.Set(k, v);
    return o;
  };
  ::unsetenv("DS_CHECKS_PG_PASSWORD");
  for (const auto& c : std::vector<Case>{
           {"csv", opts({{"path", std::string("/tmp/ds-checks")}, {"delimiter", std::string("||")}}),
            "option delimiter: must be exactly one ASCII character (e.g. ',', ';', '|', tab), got '||'"},
           {"xlsx", opts({{"path", std::string("/tmp/ds-checks")}, {"sheet_name", std::string("history")}}),
            "option sheet_name: 'history' is reserved by Excel; choose another sheet name"},
           {"parquet", opts({{"path", std::string("/tmp/ds-checks")}, {"compression_level", int64_t{99}}}),
            "option compression_level: must be between 1 and 22, got 99"},
           {"sqlite", opts({{"path", std::string("/tmp/ds-checks/w.db")}, {"table_prefix", std::string("SQLite_")}}),
            "option table_prefix: 'SQLite_' starts with sqlite_, which SQLite reserves for its own tables"},
           {"postgres", opts({{"url", std::string("postgres://u:${DS_CHECKS_PG_PASSWORD}@127.0.0.1:1/d")}}),
            "option url: environment variable DS_CHECKS_PG_PASSWORD is not set (export DS_CHECKS_PG_PASSWORD=... "
            "before running)"},
           {"mysql", opts({{"url", std::string("mysql://u@127.0.0.1:1")}}),
            "option url: name the database in the path (mysql://HOST:3306/DATABASE)"},
       }) {
    SCOPED_TRACE(c.kind);
    if (!Built("kind: " + c.kind + ",")) continue;
    const storage::SinkInfo* info = sinks_.Find(c.kind);
    ASSERT_TRUE(info);
    ASSERT_TRUE(info->validate);
    core::Options with_defaults = c.options;
    ASSERT_TRUE(with_defaults.ApplyDefaults(info->options, "test"));
    auto problems = info->validate(with_defaults, {.resolve_secrets = true});
    ASSERT_EQ(problems.size(), 1u);
    EXPECT_EQ("option " + problems[0].key + ": " + problems[0].message, c.message);

    storage::BindContext ctx;
    ctx.storage_name = "s";
    ctx.dataset = "daily";
    ctx.schema = std::make_shared<core::Schema>(std::vector<core::Field>{{"a", core::LogicalType::Int32()}});
    ctx.mode = storage::WriteMode::kAppend;
    ctx.options = c.options;
    ctx.project_dir = "/tmp";
    auto sink = info->create();
    auto st = sink->Bind(ctx);
    ASSERT_FALSE(st);
    EXPECT_EQ(st.error().kind(), core::ErrorKind::kConfig);
    EXPECT_EQ(st.error().message(), "storage 's' dataset 'daily': " + c.message);
  }
}

TEST_F(OptionChecksTest, ASinkOptionThatNamesAFieldIsCheckedAgainstEachPlansDataset) {
  // These passed `validate` before and failed the run's Bind; now config loading asks the sink
  // (SinkInfo::validate_binding) for every plan and storage, and points at the plan's storages.
  const std::string datasets = R"yaml(datasets:
  prices:
    source: ts
    api: index_daily
    fields:
      - {name: ts_code, type: str}
      - {name: trade_date, type: date}
)yaml";  // lines 6 to 12
  const std::string plan =
      "plans:\n  p:\n    dataset: prices\n    mode: append\n    storages: [ok, lake]\n";  // storages: line 20
  auto missing = Load(datasets +
                      "storages:\n  lake: {kind: csv, path: data/lake, partition_by: tradedate}\n"
                      "  ok: {kind: jsonl, path: data/ok, partition_by: trade_date, partition_granularity: month}\n" +
                      plan);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(OnlyError(missing),
            "datasync.yaml:20:15: plans.p.storages: storage 'lake' cannot take dataset 'prices': partition_by names "
            "'tradedate', which is not a field of the dataset (fields: ts_code, trade_date)");

  auto granularity = Load(datasets +
                          "storages:\n  lake: {kind: csv, path: data/lake, partition_by: ts_code, "
                          "partition_granularity: month}\n"
                          "  ok: {kind: jsonl, path: data/ok}\n" +
                          plan);
  ASSERT_FALSE(granularity.ok());
  EXPECT_EQ(OnlyError(granularity),
            "datasync.yaml:20:15: plans.p.storages: storage 'lake' cannot take dataset 'prices': "
            "partition_granularity 'month' needs a date or timestamp field, but 'ts_code' is string (use "
            "partition_granularity: value)");

  // A storage whose options were refused is reported there once, not again for each plan.
  auto refused = Load(datasets +
                      "storages:\n  lake: {kind: csv, path: data/lake, partition_by: tradedate, delimiter: '||'}\n"
                      "  ok: {kind: jsonl, path: data/ok}\n" +
                      plan);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(OnlyError(refused).find("storages.lake.delimiter: must be exactly one ASCII character"), std::string::npos);

  auto fine = Load(datasets +
                   "storages:\n  lake: {kind: csv, path: data/lake, partition_by: ts_code}\n"
                   "  ok: {kind: jsonl, path: data/ok, partition_by: trade_date, partition_granularity: month}\n" +
                   plan);
  EXPECT_TRUE(fine.ok()) << AllIssues(fine);
}

TEST_F(OptionChecksTest, ADatabaseTableNameIsCheckedAgainstEachPlansDataset) {
  if (!Built("kind: postgres,")) return;
  const std::string long_suffix(60, 'x');
  auto r = Load(R"yaml(datasets:
  prices:
    source: ts
    api: index_daily
    fields:
      - {name: ts_code, type: str}
storages:
  pg: {kind: postgres, url: "postgres://h/d", table_name: "{dataset}_)yaml" +
                long_suffix + R"yaml("}
plans:
  p:
    dataset: prices
    mode: append
    storages: [pg]
)yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(OnlyError(r),
            "datasync.yaml:18:15: plans.p.storages: storage 'pg' cannot take dataset 'prices': table "
            "name 'prices_" +
                long_suffix + "' is 67 bytes; postgres allows 63 (set table_name, or rename the field in the dataset)");
}

TEST_F(OptionChecksTest, TheTableIsAppliedToOptionsSetInCode) {
  // Options that did not come through config loading (a catalog, a test) meet the same table: validate and
  // Bind start with core::CheckOptionValues.
  const storage::SinkInfo* info = sinks_.Find("sqlite");
  ASSERT_TRUE(info);
  core::Options options;
  options.Set("path", std::string("/tmp/ds-checks/w.db"));
  options.Set("busy_timeout_ms", int64_t{-5});
  options.Set("journal_mode", std::string("WAL; DROP TABLE x"));
  auto problems = info->validate(options, {});
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].key, "journal_mode");
  EXPECT_EQ(problems[1], (core::OptionProblem{"busy_timeout_ms", "must be between 0 and 86400000, got -5"}));
}

}  // namespace
}  // namespace datasync::app
