#include "app/dataset_preview.hpp"

#include <algorithm>

#include "app/local_data.hpp"

namespace datasync::app {

core::Result<DatasetPreview> PreviewRows(App& app, const PreviewOptions& options) {
  auto datasets = app.Datasets();
  if (!datasets) return core::Fail(datasets.error());
  const datasource::Dataset* ds = nullptr;
  for (const auto& d : *datasets) {
    if (d.name == options.dataset) ds = &d;
  }
  if (!ds) return core::Fail(core::ErrorKind::kNotFound, "unknown dataset '" + options.dataset + "'");
  auto plans = app.Plans();
  if (!plans) return core::Fail(plans.error());
  auto storages = app.Storages();
  if (!storages) return core::Fail(storages.error());
  auto where = ResolveReadStorage(ds->name, options.storage, *plans, *storages, app.sinks());
  if (!where) return core::Fail(where.error());

  DatasetPreview out;
  out.dataset = ds->name;
  out.storage = *where;
  out.order_by = !ds->date_key.empty() ? ds->date_key : (ds->primary_key.empty() ? "" : ds->primary_key.front());
  for (const auto& k : ds->primary_key) {
    if (k != ds->date_key) {
      out.key_field = k;
      break;
    }
  }
  out.key_value = options.key_value;
  storage::RowsQuery q;
  q.dataset = ds->name;
  if (ds->schema) {
    for (const auto& f : ds->schema->fields()) q.columns.push_back(f.name);
  }
  q.order_by = out.order_by;
  q.limit = std::min(std::max<size_t>(options.limit, 1), kMaxPreviewRows);
  if (!options.key_value.empty()) {
    if (out.key_field.empty()) {
      return core::Fail(core::ErrorKind::kInvalidInput,
                        "dataset '" + ds->name + "' has no key field besides its date to choose rows by");
    }
    q.equals.push_back({out.key_field, options.key_value});
  }
  LocalData local(app.sinks(), *storages, *plans, app.project().root);
  auto reader = local.Reader(*where);
  if (!reader) return core::Fail(reader.error());
  auto rows = (*reader)->LatestRows(q);
  if (!rows) {
    core::Error e = rows.error();
    e.Context("preview of " + ds->name + " in storage " + *where);
    return core::Fail(std::move(e));
  }
  out.rows = std::move(*rows);
  return out;
}

}  // namespace datasync::app
