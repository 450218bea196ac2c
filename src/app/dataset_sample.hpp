// `datasync dataset sample NAME`: a dataset's fields inferred from one real answer, for providers whose
// datasets the user describes (ProviderInfo::infers_fields: rest), then frozen into datasync.yaml.
//
// The dataset may be written without `fields:` (the config is read with LoadOptions::sampling). One call is
// made with the given params through the provider's own Fetch (auth, headers, error rules: an error answer
// fails as it would in a run, naming its class) and Provider::Sample selects the records untyped;
// datasource::InferSchema proposes the fields, a primary key and a date key. `write` inserts them into the
// dataset's entry of datasync.yaml (comments and layout kept; only a dataset without fields), after which
// they are the dataset's declared schema: runs conform to them and report drift against them.
// The call counts for nothing in the quota ledger; it is one call, made by a person.
//
// Runs on the caller's thread; reads and writes the project's datasync.yaml.
#pragma once

#include <string>
#include <vector>

#include "app/app.hpp"
#include "core/error.hpp"
#include "datasource/provider.hpp"
#include "datasource/sample_inference.hpp"

namespace datasync::app {

struct SampleOptions {
  std::string dataset;
  datasource::Params params;  // the call's params, in the provider's names
  bool write = false;         // insert the inferred keys into datasync.yaml
};

struct SampleResult {
  std::string dataset;
  size_t records = 0;                             // records in the answer
  datasource::InferredSchema inferred;            // fields, proposed keys, notes
  std::vector<std::string> declared_differences;  // the dataset already has fields: where they differ
  std::string yaml;                               // the keys for datasets.NAME (fields, and keys the file lacks)
  bool written = false;
};

core::Result<SampleResult> SampleDataset(App& app, const SampleOptions& options);

// `text` (a datasync.yaml) with `block` (lines of keys, unindented) inserted as the first keys of
// datasets.NAME, at that mapping's indentation; comments and everything else are kept byte for byte.
// Fails when the file has no such dataset or writes it as a flow mapping ({...}).
core::Result<std::string> InsertDatasetKeys(const std::string& text, const std::string& dataset,
                                            const std::string& block);

}  // namespace datasync::app
