// Template use cases (ARCHITECTURE §9): list the named argument templates of datasync.yaml, show one, and
// test one (or a plan's whole argument spec) without calling the vendor: the first N argument sets and
// the total count, generated exactly as a run would (same local data, same checkpoint, same time zone).
// Templates are read from datasync.yaml as it is now (validated), so a change can be tested before it is
// applied. Functions run on the caller's thread; not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "app/app.hpp"
#include "core/error.hpp"
#include "generation/argument_spec.hpp"

namespace datasync::app {

struct TemplateInfo {
  generation::Template tmpl;
  std::vector<std::string> sent;     // parameters it sends
  std::vector<std::string> reads;    // datasets it reads
  std::vector<std::string> used_by;  // plans that name it
};

core::Result<std::vector<TemplateInfo>> ListTemplates(App& app);

struct ArgumentTest {
  std::string subject;  // "template X", "plan P", "template X with plan P"
  uint64_t count = 0;
  std::vector<datasource::Params> first;
};

// `template_name` and/or `plan`: the template's sources, with the plan's own params and checkpoint when a
// plan is given; a plan alone tests its whole spec.
core::Result<ArgumentTest> TestArguments(App& app, const std::string& template_name, const std::string& plan,
                                         size_t limit);
// The same against `config` instead of datasync.yaml as it is now (a change made in the app, not yet saved).
core::Result<ArgumentTest> TestArguments(App& app, const Config& config, const std::string& template_name,
                                         const std::string& plan, size_t limit);
// Every argument set of the plan, in order, as its run generates them, without keeping them (`datasync
// repair` judges each); returns how many.
core::Result<uint64_t> ForEachArgument(App& app, const std::string& plan,
                                       const std::function<void(const datasource::Params&)>& each);

// One line per source: "trade_date: trading days of trade_cal (exchange=SSE, is_open=1), 20240101..today".
std::string DescribeSource(const generation::ParamSource& s);

}  // namespace datasync::app
