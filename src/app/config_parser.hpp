// ConfigParser: turns datasync.yaml's sections into the Config under construction.
//
// One member function family per section, each defined in its own file: config.cpp (the top level and the
// result), config_project.cpp, config_sources.cpp, config_datasets.cpp, config_storages.cpp,
// config_param_sources.cpp (parameter sources and templates), config_plans.cpp (plans and their
// dependencies), config_schedules.cpp, config_serve.cpp, config_alerts.cpp. Sections read earlier ones
// (a dataset its source, a plan its dataset and storages), so Run() parses them in file-format order and
// runs the cross-section checks last. Node reading and problem collection are ConfigReader's.
//
// Lifecycle: constructed per load, Run() once, then discarded. Not thread-safe (one load, one thread).
#pragma once

#include <yaml-cpp/yaml.h>

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "alerting/channel_registry.hpp"
#include "app/config.hpp"
#include "app/config_reader.hpp"
#include "app/registries.hpp"
#include "generation/text_template.hpp"

namespace datasync::app {

class ConfigParser : public ConfigReader {
 public:
  ConfigParser(std::string file, std::filesystem::path project_dir, const datasource::ProviderRegistry& providers,
               const storage::SinkRegistry& sinks, const std::vector<datasource::Dataset>& imported,
               LoadOptions options, const std::vector<AppDocument>& app_documents = {})
      : ConfigReader(std::move(file), options),
        providers_(providers),
        sinks_(sinks),
        imported_(imported),
        app_documents_(app_documents) {
    config_.project_dir = std::move(project_dir);
    RegisterBuiltinChannels(channels_);
  }

  ConfigResult Run(const std::string& text);

 private:
  ConfigResult Finish();
  // Refuses text that is not UTF-8, at the first bad byte's line and column.
  bool CheckEncoding(const std::string& text);
  // The app's documents as one YAML tree whose marks come after the file's last line (ConfigReader's
  // app regions name them); an empty node when there are none.
  YAML::Node LoadAppDocuments(const std::string& file_text);
  // The app's entries of `section`, after the file's: a name the file has too is skipped with a warning.
  void ForEachAppEntry(const YAML::Node& file_root, const YAML::Node& app_root, const std::string& section,
                       const std::function<void(const YAML::Node&, const YAML::Node&)>& fn);

  // --- project ----------------------------------------------------------------------------------
  void ParseProject(const YAML::Node& n);

  // --- sources ----------------------------------------------------------------------------------
  std::optional<datasource::QuotaLimits> ParseLimits(const YAML::Node& n, const std::string& path, bool whole_source);
  void ParseQuotaWindows(const YAML::Node& v, const std::string& path, datasource::QuotaLimits& l);
  void ParseSource(const YAML::Node& key, const YAML::Node& n);

  // --- datasets ---------------------------------------------------------------------------------
  std::optional<core::Field> ParseField(const YAML::Node& n, const std::string& path);
  void ParseDataset(const YAML::Node& key, const YAML::Node& n);
  // datasets.X.calendar: {date, open, open_value, exchange}, each column a field of the dataset.
  void ParseCalendarMapping(const YAML::Node& v, const std::string& path, datasource::Dataset& ds);
  // The dataset's calendar mapping, declared or its provider's built-in one (datasource::CalendarMappingOf).
  std::optional<datasource::CalendarMapping> CalendarOf(const datasource::Dataset& ds) const;
  // "dataset 'X' is not a trading calendar; declare ...": what a schedule or trading_days naming it is told.
  static std::string NotACalendar(const std::string& dataset);
  void ParseParams(const YAML::Node& v, const std::string& path, datasource::Dataset& ds);
  // datasets.X.quality: the dataset's quality rules (config_quality.cpp); relationships are checked against
  // the other datasets by CheckRelationships once all are read.
  void ParseQuality(const YAML::Node& v, const std::string& path, datasource::Dataset& ds);
  void CheckRelationships();

  // --- storages ---------------------------------------------------------------------------------
  void ParseStorage(const YAML::Node& key, const YAML::Node& n);

  // --- parameter sources and templates ----------------------------------------------------------
  static std::vector<std::string> SourceKeys();
  bool ParseWhere(const YAML::Node& n, const std::string& path, std::vector<std::pair<std::string, std::string>>& out);
  // calendar, column, exchange, is_open, where, storage: the open days of a calendar dataset, read through its
  // calendar mapping (the dataset must have one).
  bool CalendarFilters(const YAML::Node& n, const std::string& path, generation::ParamSource& ps);
  bool RequireStart(const YAML::Node& n, const std::string& path, generation::ParamSource& ps);
  bool ParseDates(const YAML::Node& n, const std::string& path, generation::ParamSource& ps);
  bool ParseTradingDays(const YAML::Node& n, const std::string& path, generation::ParamSource& ps);
  bool ParseColumn(const YAML::Node& n, const std::string& path, generation::ParamSource& ps);
  bool ParseWindows(const YAML::Node& n, const std::string& path, generation::ParamSource& ps);
  bool ParseSince(const YAML::Node& n, const std::string& path, generation::ParamSource& ps);
  bool ParseNow(const YAML::Node& n, const std::string& path, bool now, generation::ParamSource& ps);
  bool ParseGroup(const YAML::Node& n, const std::string& path, bool zip, generation::ParamSource& ps);
  std::optional<generation::ParamSource> ParseParamSource(const std::string& pname, const YAML::Node& v,
                                                          const std::string& path);
  // A params block (plans.X.params, templates.X.params): name -> source, in order. `marks` gets where each
  // name it defines is written (windows and groups define several).
  void ParseSourcesBlock(const YAML::Node& p, const std::string& path, std::vector<generation::ParamSource>& out,
                         std::map<std::string, YAML::Mark>& marks);
  void ParseTemplate(const YAML::Node& key, const YAML::Node& n);

  // --- plans ------------------------------------------------------------------------------------
  const datasource::Dataset* FindAnyDataset(std::string_view name) const;
  std::vector<std::string> AllDatasetNames() const;
  // What a plan's composed sources send, read and derive, checked against its dataset and the catalog.
  // `mark_of(name)` is where a name is defined; `where_of(name)` names that place in messages.
  void CheckPlanSources(const sync::SyncPlan& plan, const datasource::Dataset* ds, const YAML::Mark& plan_mark,
                        const std::vector<generation::ParamSource>& sources,
                        const std::function<YAML::Mark(const std::string&)>& mark_of,
                        const std::function<std::string(const std::string&)>& where_of);
  void ParsePlan(const YAML::Node& key, const YAML::Node& n);
  // Each storage's sink rules that need the plan's dataset (SinkInfo::validate_binding), at `at`.
  void CheckBindings(const sync::SyncPlan& plan, const datasource::Dataset& ds, const YAML::Mark& at);
  // A plan that reads another dataset depends on the plans that sync it; reading needs a storage that
  // holds the dataset and that datasync can read back.
  void DeriveDependencies();
  void CheckDependencies();

  // --- schedules --------------------------------------------------------------------------------
  void ParseSchedule(const YAML::Node& n, const std::string& path, const datasource::Dataset* ds, sync::SyncPlan& plan);
  // plans.NAME.verify: a cron string, or {cron, timezone, sample}.
  void ParseVerifySchedule(const YAML::Node& n, const std::string& path, const datasource::Dataset* ds,
                           sync::SyncPlan& plan);
  // A calendar must be a dataset with a calendar mapping whose columns are its fields, that some plan syncs
  // into a storage datasync can read back.
  void CheckSchedules();

  // --- serve ------------------------------------------------------------------------------------
  void ParseServe(const YAML::Node& n);
  void ParseHttpLimits(const YAML::Node& n);  // serve.http
  void ParseAuth(const YAML::Node& n);        // serve.auth
  void ParseTls(const YAML::Node& n);         // serve.tls

  // --- alerts -----------------------------------------------------------------------------------
  void ParseChannel(const YAML::Node& key, const YAML::Node& n);
  std::vector<std::pair<std::string, std::string>> ParseHeaders(const YAML::Node& v, const std::string& path);
  // Names of channels that exist, checked where they are referenced.
  std::vector<std::string> ChannelRefs(const YAML::Node& v, const std::string& path);
  void ParseAlerts(const YAML::Node& n);

  const datasource::ProviderRegistry& providers_;
  const storage::SinkRegistry& sinks_;
  // The channel types are built in only (no Config/ConfigLoader parameter for them yet).
  alerting::ChannelRegistry channels_;
  const std::vector<datasource::Dataset>& imported_;
  const std::vector<AppDocument>& app_documents_;
  Config config_;
  SourceLocation system_db_at_;  // ConfigResult::system_db_at
  std::map<std::string, YAML::Mark> depends_marks_;
  std::map<std::string, std::map<std::string, YAML::Mark>> template_marks_;
  struct Read {
    std::string plan;
    std::string dataset;
    std::string storage;
    YAML::Mark mark;
    std::string where;
  };
  std::vector<Read> reads_;
  // Storages whose options were refused or broke their sink's rules: not checked against plans' datasets.
  std::set<std::string> unchecked_storages_;
  std::map<std::string, YAML::Mark> calendar_marks_;
  struct RelationshipMark {
    std::string dataset, ref_dataset, ref_field;
    YAML::Mark mark;
    std::string path;
  };
  std::vector<RelationshipMark> relationship_marks_;
};

}  // namespace datasync::app
