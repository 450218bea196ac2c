// The Nasdaq Data Link provider (https://data.nasdaq.com, formerly Quandl), id `nasdaq_data_link`: the
// Tables API (cursor-paged, filters from the request's params) and the time-series API, both answered as
// JSON decoded into typed columns (response_decoder.hpp); vendor errors classified by their QE codes
// (error_classifier.hpp); datasets imported from the metadata endpoints (metadata_import.hpp).
//
// Lifecycle: app/ calls RegisterNasdaqDataLink once at start-up; the registry's `create` builds one
// provider per configured source (validating its options and time zone), used for the whole process.
// Thread-safety: Fetch, Decode and Split may run concurrently from any number of threads.
#pragma once

#include <span>

#include "core/options.hpp"
#include "datasource/provider.hpp"

namespace datasync::datasource::nasdaq {

// Adds the "nasdaq_data_link" provider (its option table, default limits, metadata import and factory).
void RegisterNasdaqDataLink(ProviderRegistry& registry);

// The source options the provider reads (sources.<name>.*).
std::span<const core::OptionSpec> NasdaqOptions();

// The vendor's published limits (https://docs.data.nasdaq.com/docs/rate-limits-1): with a key 300 calls
// per 10 s, 2,000 per 10 minutes and 50,000 per day; anonymous 20 per 10 minutes and 50 per day; one call
// in flight; one budget for every API of the key.
QuotaLimits DefaultLimits(const DataSource& source);

}  // namespace datasync::datasource::nasdaq
