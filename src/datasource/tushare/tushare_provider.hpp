// The Tushare Pro provider (https://tushare.pro): one POST per call with a JSON body, answers as
// {"code","msg","data":{"fields","items","has_more"}} decoded into typed columns.
//
// Lifecycle: app/ calls RegisterTushare once at start-up; the registry's `create` builds one provider
// per configured source (validating its options and time zone), used for the whole process.
// Thread-safety: Fetch and Decode may run concurrently from any number of threads.
#pragma once

#include <span>

#include "core/options.hpp"
#include "datasource/provider.hpp"

namespace datasync::datasource::tushare {

// Adds the "tushare" provider (its option table, built-in catalog and factory) to the registry.
void RegisterTushare(ProviderRegistry& registry);

// The source options the provider reads (sources.<name>.options.*).
std::span<const core::OptionSpec> TushareOptions();

}  // namespace datasync::datasource::tushare
