// Shared helpers for the rest provider's tests: a source and a dataset built as config loading builds them
// (options by name, checked through the provider's own reading).
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "datasource/rest/rest_options.hpp"

namespace datasync::datasource::rest::testing {

using Opt = std::pair<std::string, core::OptionValue>;

inline core::Options MakeOptions(std::initializer_list<Opt> values) {
  core::Options o;
  for (const auto& [k, v] : values) o.Set(k, v);
  return o;
}

inline DataSource MakeSource(std::string endpoint, std::initializer_list<Opt> options = {}) {
  DataSource s;
  s.name = "api";
  s.provider = "rest";
  s.endpoint = std::move(endpoint);
  s.timezone = "UTC";
  s.options = MakeOptions(options);
  return s;
}

inline Dataset MakeDataset(std::vector<core::Field> fields, std::initializer_list<Opt> options) {
  Dataset d;
  d.name = "items";
  d.source = "api";
  d.api = "items";
  d.schema = std::make_shared<core::Schema>(std::move(fields));
  d.options = MakeOptions(options);
  return d;
}

inline SourceSettings SourceSettingsOf(const DataSource& s) {
  auto r = ReadSourceSettings(s);
  EXPECT_TRUE(r) << r.error().ToString();
  return r ? *r : SourceSettings{};
}

inline std::shared_ptr<const DatasetSettings> DatasetSettingsOf(const Dataset& d) {
  auto r = ReadDatasetSettings(d);
  EXPECT_TRUE(r) << r.error().ToString();
  return r ? *r : std::make_shared<DatasetSettings>();
}

}  // namespace datasync::datasource::rest::testing
