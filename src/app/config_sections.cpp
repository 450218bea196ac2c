#include "app/config_sections.hpp"

namespace datasync::app {

using metadata::ObjectKind;

std::string_view FormTypeName(FormType t) {
  switch (t) {
    case FormType::kText: return "text";
    case FormType::kInteger: return "integer";
    case FormType::kBoolean: return "boolean";
    case FormType::kList: return "list";
    case FormType::kChoice: return "choice";
    case FormType::kPlugin: return "plugin";
    case FormType::kRef: return "ref";
    case FormType::kRefs: return "refs";
    case FormType::kYaml: return "yaml";
  }
  return "text";
}

namespace {

const std::vector<SectionKey>& Sources() {
  static const std::vector<SectionKey> keys = {
      {"provider", FormType::kPlugin, true, "the vendor's protocol (a provider plugin)"},
      {"endpoint", FormType::kText, false, "where requests go (http:// or https://); default: the provider's"},
      {"timezone", FormType::kText, false, "the vendor's trading day (IANA zone); default: the provider's"},
      {"limits", FormType::kYaml, false,
       "the account's budget per API: per_minute, per_hour, per_day, windows, "
       "concurrency, margin_ms, scope",
       "per_minute: 200\nconcurrency: 4\n"},
      {"api_limits", FormType::kYaml, false, "the same keys for one API, overriding limits",
       "daily:\n  per_minute: 500\n"},
  };
  return keys;
}

const std::vector<SectionKey>& Datasets() {
  static const std::vector<SectionKey> keys = {
      {"source", FormType::kRef, true, "the source it is fetched from", {}, ObjectKind::kSource},
      {"api", FormType::kText, false, "the vendor API; default: the dataset's name"},
      {"title", FormType::kText, false, "documentation"},
      {"description", FormType::kText, false, "documentation"},
      {"doc_url", FormType::kText, false, "the vendor's doc page"},
      {"primary_key", FormType::kList, false, "field names that identify a row (needed for mode upsert)"},
      {"date_key", FormType::kText, false, "the dataset's date field, for partitions and checkpoints"},
      {"row_cap", FormType::kInteger, false, "rows per call at which the vendor truncates"},
      {"paging", FormType::kYaml, false, "how the vendor pages a long answer", "limit: 5000\n"},
      {"points", FormType::kInteger, false, "vendor points an account needs (documentation)"},
      {"default_fields", FormType::kList, false, "fields the vendor returns when none are asked for (documentation)"},
      {"params", FormType::kYaml, false, "accepted request parameters: a list of {name, type, required}",
       "- name: trade_date\n  type: date\n"},
      {"fields", FormType::kYaml, true, "output fields in stored order: a list of {name, type, description, nullable}",
       "- name: ts_code\n  type: string\n- name: trade_date\n  type: date\n- name: close\n  type: float64\n"},
      {"calendar", FormType::kYaml, false, "makes the dataset a trading calendar: {date, open, open_value, exchange}"},
      {"quality", FormType::kYaml, false,
       "data-quality rules: not_null, unique, range, accepted_values, relationship, freshness, row_count",
       "- range: {pct_chg: [-30, 30]}\n  severity: error\n"},
  };
  return keys;
}

const std::vector<SectionKey>& Storages() {
  static const std::vector<SectionKey> keys = {
      {"kind", FormType::kPlugin, true, "where rows are written (a sink plugin)"},
  };
  return keys;
}

const std::vector<SectionKey>& Templates() {
  static const std::vector<SectionKey> keys = {
      {"description", FormType::kText, false, "shown by template list"},
      {"params", FormType::kYaml, true, "parameter name -> source, in order (as under plans.NAME.params)",
       "trade_date:\n  trading_days: {start: 2024-01-01}\n"},
  };
  return keys;
}

const std::vector<SectionKey>& Plans() {
  static const std::vector<SectionKey> keys = {
      {"dataset", FormType::kRef, true, "the dataset it syncs", {}, ObjectKind::kDataset},
      {"storages",
       FormType::kRefs,
       true,
       "where its rows go; a task is done when every one committed",
       {},
       ObjectKind::kStorage},
      {"mode",
       FormType::kChoice,
       false,
       "upsert (default): same key replaces; append; replace: the run replaces all",
       {},
       {},
       {"upsert", "append", "replace"}},
      {"verify", FormType::kYaml, false,
       "serve re-fetches a sample of done tasks on a schedule and alerts on vendor revisions: {cron, timezone, "
       "sample}",
       "cron: \"0 2 * * *\"\nsample: 20\n"},
      {"history", FormType::kBoolean, false,
       "true: keep every version of a row with _valid_from/_valid_to instead of overwriting it (datasync asof)"},
      {"template", FormType::kRef, false, "a template whose sources come first", {}, ObjectKind::kTemplate},
      {"params", FormType::kYaml, false, "request parameters, each from a source; the tasks are their product",
       "trade_date:\n  dates: {start: 2024-01-01, end: 2024-01-31}\n"},
      {"retry", FormType::kYaml, false, "{max_attempts, initial_backoff_ms, max_backoff_ms}", "max_attempts: 5\n"},
      {"concurrency", FormType::kText, false, "adaptive (default), or vendor calls in flight, 1-256"},
      {"max_concurrency", FormType::kInteger, false, "the most calls in flight an adaptive plan may try (1-256)"},
      {"max_wait_secs", FormType::kInteger, false, "the longest vendor cool-down to wait for (default 600)"},
      {"schedule", FormType::kYaml, false, "when serve runs it: a cron expression, or {cron, timezone, calendar, ...}",
       "cron: \"30 17 * * *\"\n"},
      {"depends_on", FormType::kRefs, false, "plans that run first when run together", {}, ObjectKind::kPlan},
      {"enabled", FormType::kBoolean, false, "run --all runs enabled plans (default true)"},
      {"description", FormType::kText, false, "documentation"},
  };
  return keys;
}

}  // namespace

std::span<const SectionKey> SectionKeys(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kSource: return Sources();
    case ObjectKind::kDataset: return Datasets();
    case ObjectKind::kStorage: return Storages();
    case ObjectKind::kTemplate: return Templates();
    case ObjectKind::kPlan: return Plans();
  }
  return {};
}

std::vector<std::string> SectionKeyNames(ObjectKind kind) {
  std::vector<std::string> names;
  for (const auto& k : SectionKeys(kind)) names.emplace_back(k.name);
  return names;
}

}  // namespace datasync::app
