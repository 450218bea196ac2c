// A source's limits in datasync.yaml: per_minute/per_hour/per_day as the familiar windows, `windows` for
// any other, `scope`, the errors (file:line:column) for what cannot be, and the stored spec round trip.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "app/config.hpp"
#include "app/registries.hpp"
#include "app/specs.hpp"

namespace datasync::app {
namespace {

using datasource::QuotaWindowKind;
using datasource::QuotaWindowLimit;

class ConfigLimitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterBuiltinProviders(providers_);
    RegisterBuiltinSinks(sinks_);
  }
  // A file with one source `ts` whose limits block is `limits` (indented under `limits:`, line 6 on).
  ConfigResult Load(const std::string& limits, const std::string& extra = "") {
    std::string text =
        "version: 1\nsources:\n  ts:\n    provider: tushare\n    token: ${T}\n    limits:\n" + limits + extra;
    return ConfigLoader(providers_, sinks_).LoadString(text, "datasync.yaml", "/proj");
  }
  std::vector<std::string> Errors(const ConfigResult& r) {
    std::vector<std::string> out;
    for (const auto& i : r.issues) out.push_back(FormatIssue(i));
    return out;
  }
  datasource::ProviderRegistry providers_;
  storage::SinkRegistry sinks_;
};

TEST_F(ConfigLimitsTest, WindowsAndScopeAreRead) {
  auto r = Load(
      "      per_minute: 500\n"
      "      windows:\n"
      "        - {every_secs: 10, limit: 3}\n"
      "        - {every_secs: 90, limit: 100}\n"
      "      scope: per_credential\n");
  ASSERT_TRUE(r.ok()) << Errors(r)[0];
  const auto& l = r.config->sources[0].limits;
  EXPECT_EQ(l.per_minute, 500);
  EXPECT_EQ(l.windows, (std::vector<QuotaWindowLimit>{{10, 3}, {90, 100}}));
  EXPECT_EQ(l.scope, datasource::QuotaScope::kPerCredential);
  EXPECT_EQ(datasource::Windows(l), (std::vector<QuotaWindowLimit>{{60, 500}, {10, 3}, {90, 100}}));
}

TEST_F(ConfigLimitsTest, TheFamiliarKeysAreTheFamiliarWindows) {
  auto sugar = Load("      {per_minute: 500, per_hour: 9000, per_day: 100000}\n");
  auto list = Load(
      "      windows: [{every_secs: 60, limit: 500}, {every_secs: 3600, limit: 9000},\n"
      "                {kind: vendor_day, limit: 100000}]\n");
  ASSERT_TRUE(sugar.ok() && list.ok());
  EXPECT_EQ(datasource::Windows(sugar.config->sources[0].limits), datasource::Windows(list.config->sources[0].limits));
  EXPECT_EQ(datasource::Canonical(list.config->sources[0].limits), sugar.config->sources[0].limits);
  EXPECT_FALSE(sugar.config->sources[0].limits.scope) << "unset: per API";
}

TEST_F(ConfigLimitsTest, BadWindowsAreRefusedWhereTheyAreWritten) {
  auto r = Load(
      "      per_minute: 500\n"
      "      windows:\n"
      "        - {every_secs: 60, limit: 400}\n"
      "        - {every_secs: 0, limit: 3}\n"
      "        - {every_secs: 10, limit: -1}\n"
      "        - {every_secs: 10, limit: 3, per: x}\n"
      "        - {limit: 3}\n"
      "        - {kind: vendor_day, every_secs: 3600, limit: 3}\n"
      "        - {kind: hourly, every_secs: 3600, limit: 3}\n"
      "        - {every_secs: 90, limit: 3}\n"
      "        - {every_secs: 90, limit: 4}\n"
      "      scope: everyone\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Errors(r),
            (std::vector<std::string>{
                "datasync.yaml:9:11: sources.ts.limits.windows[0]: the minute window is already limited by "
                "per_minute (one limit per window)",
                "datasync.yaml:10:24: sources.ts.limits.windows[1].every_secs: 0 is out of range (1 to 31622400)",
                "datasync.yaml:11:35: sources.ts.limits.windows[2].limit: -1 is out of range (1 to 1000000000)",
                "datasync.yaml:12:38: unknown key 'per' in sources.ts.limits.windows[3] (allowed: every_secs, limit, "
                "kind)",
                "datasync.yaml:13:11: sources.ts.limits.windows[4]: missing required key 'every_secs' (the window's "
                "length in seconds)",
                "datasync.yaml:14:42: sources.ts.limits.windows[5].every_secs: a vendor_day window is the vendor's "
                "calendar day (86400)",
                "datasync.yaml:15:18: sources.ts.limits.windows[6].kind: unknown window kind 'hourly' (allowed: "
                "sliding, vendor_day: the vendor's calendar day, reset at its midnight)",
                "datasync.yaml:17:11: sources.ts.limits.windows[8]: the 90s window is already limited by windows[7] "
                "(one limit per window)",
                "datasync.yaml:18:14: sources.ts.limits.scope: unknown scope 'everyone' (allowed: per_api, "
                "per_credential)",
            }));
}

TEST_F(ConfigLimitsTest, TheScopeIsTheWholeSources) {
  auto in_api = Load("      per_minute: 500\n", "    api_limits:\n      daily: {per_minute: 200, scope: per_api}\n");
  ASSERT_FALSE(in_api.ok());
  EXPECT_EQ(Errors(in_api)[0],
            "datasync.yaml:9:39: sources.ts.api_limits.daily.scope: the scope belongs to the whole source; set it "
            "in its limits");
  auto overrides =
      Load("      {per_minute: 500, scope: per_credential}\n", "    api_limits:\n      daily: {per_minute: 200}\n");
  ASSERT_FALSE(overrides.ok());
  EXPECT_EQ(Errors(overrides)[0],
            "datasync.yaml:9:7: sources.ts.api_limits: every API of the source shares one budget (limits.scope: "
            "per_credential), so per-API limits cannot apply; remove api_limits or use scope: per_api");
  auto windows_not_a_list = Load("      windows: {every_secs: 60}\n");
  ASSERT_FALSE(windows_not_a_list.ok());
  EXPECT_EQ(Errors(windows_not_a_list)[0],
            "datasync.yaml:7:16: sources.ts.limits.windows: expected a list of windows ({every_secs: 60, limit: "
            "500}), got a mapping");
}

TEST_F(ConfigLimitsTest, AnUnknownKeyIsReportedWithEveryAllowedKey) {
  auto r = Load("      {per_minite: 100, windows: [{every_secs: 10, limit: 3}], scope: per_api}\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Errors(r), (std::vector<std::string>{"datasync.yaml:7:8: unknown key 'per_minite' in sources.ts.limits "
                                                 "(allowed: per_minute, per_hour, per_day, windows, concurrency, "
                                                 "margin_ms, scope)"}));
}

TEST_F(ConfigLimitsTest, StoredSpecsRoundTripAndOldOnesReadTheSame) {
  auto r = Load(
      "      per_day: 1000\n"
      "      windows: [{every_secs: 10, limit: 3}, {every_secs: 7200, limit: 50}]\n"
      "      scope: per_credential\n");
  ASSERT_TRUE(r.ok()) << Errors(r)[0];
  const auto& src = r.config->sources[0];
  auto back = SourceFromJson(SourceToJson(src));
  ASSERT_TRUE(back) << back.error().ToString();
  EXPECT_EQ(back->limits, src.limits);
  // A source without windows or scope is stored exactly as before they existed.
  auto plain = Load("      {per_minute: 450, concurrency: 3}\n");
  ASSERT_TRUE(plain.ok());
  auto j = nlohmann::json::parse(SourceToJson(plain.config->sources[0]));
  EXPECT_EQ(j["limits"].dump(), R"({"concurrency":3,"per_minute":450})");
}

TEST(QuotaLimitsTest, AnApiEntryOverridesTheSameWindowAndKeepsTheOthers) {
  datasource::QuotaLimits source;
  source.per_minute = 500;
  source.windows = {{10, 30}};
  source.concurrency = 4;
  datasource::QuotaLimits api;
  api.windows = {{60, 200}, {90, 100}};
  auto l = datasource::Overridden(source, api);
  EXPECT_EQ(l.per_minute, 200);
  EXPECT_EQ(l.windows, (std::vector<QuotaWindowLimit>{{10, 30}, {90, 100}}));
  EXPECT_EQ(l.concurrency, 4);
  EXPECT_EQ(datasource::WindowName({86400, 1, QuotaWindowKind::kVendorDay}), "day");
  EXPECT_EQ(datasource::WindowName({86400, 1}), "86400s");
  EXPECT_EQ(datasource::WindowName({3600, 1}), "hour");
}

// A provider's published limits (ProviderInfo::default_limits) apply when the YAML sets none; a YAML window
// replaces the same default window only, and the rest stay.
TEST_F(ConfigLimitsTest, AProvidersDefaultLimitsApplyAndYamlOverridesThemPerWindow) {
  auto load = [&](const std::string& source) {
    return ConfigLoader(providers_, sinks_).LoadString("version: 1\nsources:\n  ndl:\n" + source, "datasync.yaml", "/proj");
  };
  auto keyed = load("    provider: nasdaq_data_link\n    api_key: ${NDL_API_KEY}\n");
  ASSERT_TRUE(keyed.ok()) << Errors(keyed)[0];
  const auto& k = keyed.config->sources[0].limits;
  EXPECT_EQ(datasource::Windows(k), (std::vector<QuotaWindowLimit>{{86400, 50000, QuotaWindowKind::kVendorDay},
                                                                   {10, 300}, {600, 2000}}));
  EXPECT_EQ(k.concurrency, 1);
  EXPECT_EQ(k.scope, datasource::QuotaScope::kPerCredential);
  auto anonymous = load("    provider: nasdaq_data_link\n");
  ASSERT_TRUE(anonymous.ok()) << Errors(anonymous)[0];
  EXPECT_EQ(datasource::Windows(anonymous.config->sources[0].limits),
            (std::vector<QuotaWindowLimit>{{86400, 50, QuotaWindowKind::kVendorDay}, {600, 20}}));
  auto over = load(
      "    provider: nasdaq_data_link\n    api_key: ${NDL_API_KEY}\n"
      "    limits: {per_day: 1000, windows: [{every_secs: 600, limit: 500}]}\n");
  ASSERT_TRUE(over.ok()) << Errors(over)[0];
  const auto& o = over.config->sources[0].limits;
  EXPECT_EQ(datasource::Windows(o), (std::vector<QuotaWindowLimit>{{86400, 1000, QuotaWindowKind::kVendorDay},
                                                                   {10, 300}, {600, 500}}));
  EXPECT_EQ(o.concurrency, 1) << "kept from the defaults";
  // A provider without defaults keeps exactly what the YAML says (tushare: per API, no window added).
  auto ts = Load("      per_minute: 500\n");
  ASSERT_TRUE(ts.ok());
  EXPECT_EQ(datasource::Windows(ts.config->sources[0].limits), (std::vector<QuotaWindowLimit>{{60, 500}}));
  EXPECT_FALSE(ts.config->sources[0].limits.concurrency);
}

}  // namespace
}  // namespace datasync::app
