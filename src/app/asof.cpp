#include "app/asof.hpp"

#include <nlohmann/json.hpp>

#include "app/app.hpp"
#include "app/local_data.hpp"
#include "app/row_compare.hpp"
#include "core/dates.hpp"
#include "core/strings.hpp"

namespace datasync::app {

using core::ErrorKind;

std::optional<ExportFormat> ParseExportFormat(std::string_view s) {
  if (s == "csv") return ExportFormat::kCsv;
  if (s == "jsonl") return ExportFormat::kJsonLines;
  return std::nullopt;
}

namespace {

// A value as people read it: ISO days and times, numbers as CanonicalText spells them.
std::string ExportText(const core::Value& v, const core::LogicalType& type) {
  switch (type.id) {
    case core::TypeId::kDate:
      if (v.type.id == core::TypeId::kDate) return core::FormatIsoDate(std::get<int32_t>(v.v));
      break;
    case core::TypeId::kTimestamp:
      if (v.type.id == core::TypeId::kTimestamp) return core::FormatTimestamp(std::get<int64_t>(v.v));
      break;
    case core::TypeId::kString: return v.ToString();
    default: return CanonicalText(v, type);
  }
  return v.ToString();
}

void AppendCsvField(std::string& out, const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
}

nlohmann::json JsonValue(const core::Value& v, const core::LogicalType& type) {
  if (v.is_null()) return nullptr;
  switch (type.id) {
    case core::TypeId::kBool: return CanonicalText(v, type) == "1";
    case core::TypeId::kInt32:
    case core::TypeId::kInt64:
      if (auto n = core::ParseInt64(CanonicalText(v, type))) return *n;
      break;
    case core::TypeId::kFloat64:
      if (auto x = core::ParseDouble(CanonicalText(v, type))) return *x;
      break;
    default: break;
  }
  return ExportText(v, type);
}

}  // namespace

core::Result<AsOfSummary> ExportAsOf(App& app, const AsOfOptions& options,
                                     const std::function<void(std::string_view)>& write) {
  if (auto applied = app.ApplyCurrentConfig(); !applied) return core::Fail(applied.error());
  auto at = core::ParseTimestamp(core::Trim(options.time));
  if (!at) {
    return core::Fail(
        ErrorKind::kInvalidInput,
        "'" + options.time + "' is not a time; give a UTC time as 2024-05-01T08:00:00 (or a day, meaning its start)");
  }
  auto datasets = app.Datasets();
  if (!datasets) return core::Fail(datasets.error());
  auto plans = app.Plans();
  if (!plans) return core::Fail(plans.error());
  auto storages = app.Storages();
  if (!storages) return core::Fail(storages.error());
  const datasource::Dataset* ds = nullptr;
  for (const auto& d : *datasets) {
    if (d.name == options.dataset) ds = &d;
  }
  if (!ds) {
    return core::Fail(ErrorKind::kNotFound,
                      "unknown dataset '" + options.dataset + "' (run `datasync apply` after adding it)");
  }
  if ((options.from || options.to) && ds->date_key.empty()) {
    return core::Fail(ErrorKind::kConfig, "dataset '" + ds->name +
                                              "' has no date_key, so --from and --to have no "
                                              "day to filter on (set datasets." +
                                              ds->name + ".date_key)");
  }
  auto where = ResolveReadStorage(ds->name, options.storage, *plans, *storages, app.sinks());
  if (!where) return core::Fail(where.error());
  LocalData local(app.sinks(), *storages, *plans, app.project().root);
  auto reader = local.Reader(*where);
  if (!reader) return core::Fail(reader.error());
  auto stored = (*reader)->Describe(ds->name);
  if (!stored) return core::Fail(stored.error());

  AsOfSummary summary;
  summary.dataset = ds->name;
  summary.storage = *where;
  summary.at = *at;
  storage::ScanQuery q;
  q.dataset = ds->name;
  // The dataset's fields that the storage has, in the dataset's order.
  if (ds->schema) {
    for (const auto& f : ds->schema->fields()) {
      if (stored->count(f.name)) q.columns.push_back(f.name);
    }
  }
  if (q.columns.empty()) {
    return core::Fail(ErrorKind::kConfig,
                      "storage " + *where + " holds none of the fields of dataset '" + ds->name + "'");
  }
  summary.columns = q.columns;
  q.as_of = core::FormatTimestamp(*at);
  if (options.from || options.to) q.range_column = ds->date_key;
  if (options.from) q.min = core::FormatIsoDate(*options.from);
  if (options.to) q.max = core::FormatIsoDate(*options.to);

  std::string line;
  if (options.format == ExportFormat::kCsv) {
    for (size_t i = 0; i < q.columns.size(); ++i) {
      if (i) line += ',';
      AppendCsvField(line, q.columns[i]);
    }
    line += '\n';
    write(line);
  }
  std::vector<core::LogicalType> types;
  for (const auto& c : q.columns) types.push_back(stored->at(c));
  auto scanned = (*reader)->ScanRows(q, [&](std::vector<core::Value>& row) {
    line.clear();
    if (options.format == ExportFormat::kCsv) {
      for (size_t i = 0; i < row.size(); ++i) {
        if (i) line += ',';
        if (!row[i].is_null()) AppendCsvField(line, ExportText(row[i], types[i]));
      }
    } else {
      nlohmann::ordered_json j = nlohmann::ordered_json::object();
      for (size_t i = 0; i < row.size(); ++i) j[q.columns[i]] = JsonValue(row[i], types[i]);
      line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    line += '\n';
    write(line);
    ++summary.rows;
  });
  if (!scanned) {
    core::Error e = scanned.error();
    e.Context(ds->name + " as of " + core::FormatTimestamp(*at) + " in storage " + *where);
    return core::Fail(std::move(e));
  }
  return summary;
}

}  // namespace datasync::app
