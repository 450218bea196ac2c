#include "app/dataset_sample.hpp"

#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/strings.hpp"
#include "net/http_client.hpp"

namespace datasync::app {

namespace {

using core::ErrorKind;

std::string Quote(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// The keys the file should gain: the inferred fields, and the proposed keys the dataset does not declare.
std::string KeysYaml(const datasource::InferredSchema& inferred, const datasource::Dataset& ds, size_t records) {
  YAML::Emitter out;
  out.SetOutputCharset(YAML::EmitNonAscii);
  out << YAML::BeginMap;
  out << YAML::Key << "fields" << YAML::Value << YAML::BeginSeq;
  for (const auto& f : inferred.fields) {
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << f.name << YAML::Key << "type"
        << YAML::Value << f.type.ToString() << YAML::EndMap;
  }
  out << YAML::EndSeq;
  if (ds.primary_key.empty() && !inferred.primary_key.empty()) {
    out << YAML::Key << "primary_key" << YAML::Value << YAML::Flow << inferred.primary_key;
  }
  if (ds.date_key.empty() && !inferred.date_key.empty()) {
    out << YAML::Key << "date_key" << YAML::Value << inferred.date_key;
  }
  out << YAML::EndMap;
  return "# fields inferred by `datasync dataset sample` from " + std::to_string(records) + " record" +
         (records == 1 ? "" : "s") + ": check the types\n" + out.c_str() + "\n";
}

// Where the declared fields and the inferred ones differ, for a dataset that has fields already.
std::vector<std::string> Differences(const core::Schema& declared, const datasource::InferredSchema& inferred) {
  std::vector<std::string> out;
  for (const auto& f : inferred.fields) {
    auto i = declared.IndexOf(f.name);
    if (!i) {
      out.push_back(f.name + ": in the answer, not declared (inferred " + f.type.ToString() + ")");
    } else if (declared.field(*i).type != f.type) {
      out.push_back(f.name + ": declared " + declared.field(*i).type.ToString() + ", inferred " + f.type.ToString());
    }
  }
  for (const auto& f : declared.fields()) {
    bool seen = false;
    for (const auto& g : inferred.fields) seen = seen || g.name == f.name;
    if (!seen) out.push_back(f.name + ": declared, not in the answer (stored as NULL)");
  }
  return out;
}

core::Result<std::string> ReadText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return core::Fail(ErrorKind::kConfig, "cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

core::Status WriteText(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.flush();
    if (!out) return core::Fail(ErrorKind::kConfig, "cannot write " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return core::Fail(ErrorKind::kConfig, "cannot write " + path.string() + ": " + ec.message());
  return core::Ok();
}

}  // namespace

core::Result<std::string> InsertDatasetKeys(const std::string& text, const std::string& dataset,
                                            const std::string& block) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return core::Fail(ErrorKind::kConfig, std::string("datasync.yaml does not parse: ") + e.what());
  }
  YAML::Node entry;
  if (root.IsMap() && root["datasets"] && root["datasets"].IsMap()) entry = root["datasets"][dataset];
  if (!entry || !entry.IsMap()) {
    return core::Fail(ErrorKind::kNotFound, "datasync.yaml has no mapping datasets." + dataset + " to write into");
  }
  if (entry.Style() == YAML::EmitterStyle::Flow || entry.size() == 0) {
    return core::Fail(ErrorKind::kConfig, "datasets." + dataset + " is written as a flow mapping ({...}) at line " +
                                              std::to_string(entry.Mark().line + 1) +
                                              "; write it as a block mapping (one key per line) or paste the "
                                              "printed fields yourself");
  }
  // The mapping's mark is its first key: insert the block before that line, at its column.
  const YAML::Mark mark = entry.Mark();
  size_t offset = 0;
  for (int line = 0; line < mark.line; ++line) {
    offset = text.find('\n', offset);
    if (offset == std::string::npos) return core::Fail(ErrorKind::kInternal, "datasync.yaml: line out of range");
    ++offset;
  }
  std::string indent(static_cast<size_t>(mark.column), ' ');
  if (text.compare(offset, indent.size(), indent) != 0 || offset + indent.size() != static_cast<size_t>(mark.pos)) {
    return core::Fail(ErrorKind::kConfig, "datasets." + dataset + " at line " + std::to_string(mark.line + 1) +
                                              " does not start its keys on a line of their own; paste the printed "
                                              "fields yourself");
  }
  std::string indented;
  std::istringstream lines(block);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    indented += indent + line + "\n";
  }
  return text.substr(0, offset) + indented + text.substr(offset);
}

core::Result<SampleResult> SampleDataset(App& app, const SampleOptions& options) {
  LoadOptions load;
  load.sampling = options.dataset;
  ConfigResult loaded = app.LoadConfig(load);
  if (!loaded.ok()) return core::Fail(ErrorKind::kConfig, FormatIssues(loaded.issues));
  const Config& config = *loaded.config;
  const datasource::Dataset* ds = config.FindDataset(options.dataset);
  if (!ds) {
    std::vector<std::string> names;
    for (const auto& d : config.datasets) names.push_back(d.name);
    return core::Fail(ErrorKind::kNotFound, "unknown dataset " + Quote(options.dataset) +
                                                " (datasync.yaml defines: " + core::Join(names, ", ") + ")");
  }
  const datasource::DataSource* source = config.FindSource(ds->source);
  const datasource::ProviderInfo* info = source ? app.providers().Find(source->provider) : nullptr;
  if (!source || !info) {
    return core::Fail(ErrorKind::kConfig, "dataset " + Quote(ds->name) + ": its source has no known provider");
  }
  if (!info->infers_fields) {
    return core::Fail(ErrorKind::kInvalidInput,
                      "dataset " + Quote(ds->name) + " is served by " + source->provider +
                          ", which knows its datasets' fields (its catalog, or `datasync dataset import`); sampling "
                          "is for providers whose datasets you describe (rest)");
  }
  const bool declared = ds->schema && ds->schema->size() > 0;
  if (options.write && declared) {
    return core::Fail(ErrorKind::kInvalidInput,
                      "datasets." + ds->name +
                          " already lists its fields; --write only fills a dataset without "
                          "them (remove `fields:` to infer them again, or compare with `dataset sample` alone)");
  }

  datasource::ProviderContext ctx;
  ctx.http = &app.http();
  ctx.source = source;
  ctx.clock = &app.clock();
  auto provider = info->create(ctx);
  if (!provider) return tl::unexpected(provider.error());
  datasource::FetchRequest request;
  request.source = source;
  request.dataset = ds;
  request.params = options.params;
  auto raw = (*provider)->Fetch(request);
  if (!raw) {
    core::Error e = raw.error();
    e.Context("dataset sample " + ds->name);
    return tl::unexpected(std::move(e));
  }
  auto sample = (*provider)->Sample(request, *raw);
  if (!sample) {
    core::Error e = sample.error();
    e.Context("dataset sample " + ds->name + " (" + std::string(core::ErrorKindName(e.kind())) + ")");
    return tl::unexpected(std::move(e));
  }
  if (sample->rows.empty()) {
    return core::Fail(ErrorKind::kInvalidInput,
                      "dataset sample " + ds->name + ": the answer has no records to infer fields from (HTTP " +
                          std::to_string(raw->http_status) +
                          "); give params that select some (--param NAME=VALUE, e.g. a recent date window)");
  }

  SampleResult result;
  result.dataset = ds->name;
  result.records = sample->rows.size();
  result.inferred = datasource::InferSchema(*sample);
  if (result.inferred.fields.empty()) {
    return core::Fail(ErrorKind::kInvalidInput, "dataset sample " + ds->name +
                                                    ": no field of the answer's records can be stored (" +
                                                    core::Join(result.inferred.notes, "; ") + ")");
  }
  if (declared) result.declared_differences = Differences(*ds->schema, result.inferred);
  result.yaml = KeysYaml(result.inferred, *ds, result.records);
  if (!options.write) return result;

  const std::filesystem::path& file = app.project().config_file;
  auto text = ReadText(file);
  if (!text) return tl::unexpected(text.error());
  auto updated = InsertDatasetKeys(*text, ds->name, result.yaml);
  if (!updated) return tl::unexpected(updated.error());
  if (auto st = WriteText(file, *updated); !st) return tl::unexpected(st.error());
  // The file as written must load as it would for a run; else it goes back as it was.
  ConfigResult check = app.LoadConfig();
  if (!check.ok()) {
    std::string issues = FormatIssues(check.issues);
    if (auto st = WriteText(file, *text); !st) return tl::unexpected(st.error());
    return core::Fail(ErrorKind::kConfig, "the inferred fields did not load, datasync.yaml is left as it was:\n" +
                                              issues + "\n" + "the fields were:\n" + result.yaml);
  }
  result.written = true;
  return result;
}

}  // namespace datasync::app
